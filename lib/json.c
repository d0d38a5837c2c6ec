/* json.c - placeholder */
#include "json.h"
