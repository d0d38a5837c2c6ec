/* auth.c - placeholder */
#include "auth.h"
