/* http.c - placeholder */
#include "http.h"
