/* crypto.c - placeholder */
#include "crypto.h"
