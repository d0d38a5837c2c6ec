/* db.c - placeholder */
#include "db.h"
