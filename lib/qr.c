/* qr.c - see qr.h. */
#include <stdio.h>
#include <qrencode.h>
#include "qr.h"
#include "util.h"

char *
qr_svg(const char *text, size_t *len)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    const int quiet = 4;
    size_t cap, n;
    char *svg;
    int x, y, w;

    if (!qr)
        return NULL;
    w = qr->width + 2 * quiet;
    cap = 512 + (size_t)qr->width * (size_t)qr->width * 24;
    svg = xmalloc(cap);
    n = (size_t)snprintf(svg, cap,
                         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                         "width=\"%d\" height=\"%d\" shape-rendering=\"crispEdges\">"
                         "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
                         w, w, w * 8, w * 8, w, w);
    for (y = 0; y < qr->width; y++)
        for (x = 0; x < qr->width; x++)
            if (qr->data[y * qr->width + x] & 1)
                n += (size_t)snprintf(svg + n, cap - n, "M%d %dh1v1h-1z", x + quiet, y + quiet);
    n += (size_t)snprintf(svg + n, cap - n, "\"/></svg>\n");
    QRcode_free(qr);
    *len = n;
    return svg;
}
