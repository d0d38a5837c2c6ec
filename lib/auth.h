#ifndef QRSHARE_AUTH_H
#define QRSHARE_AUTH_H
#endif
