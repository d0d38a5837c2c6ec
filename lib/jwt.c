/* jwt.c - placeholder */
#include "jwt.h"
