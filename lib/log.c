/* log.c - placeholder */
#include "log.h"
