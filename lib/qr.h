/* qr.h - a QR code as an SVG document (libqrencode). */
#ifndef QRSHARE_QR_H
#define QRSHARE_QR_H

#include <stddef.h>

/* The QR code of text as an SVG document of *len bytes; caller frees. NULL when
 * text cannot be encoded. */
char *qr_svg(const char *text, size_t *len);

#endif
