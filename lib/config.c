/* config.c - placeholder */
#include "config.h"
