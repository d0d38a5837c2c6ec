/* session.c - placeholder */
#include "session.h"
