/* session-qr - FastCGI (or CGI) executable for one endpoint: session_qr in lib/. */
#include "server.h"
#include "session.h"

int
main(void)
{
    return server_main("session-qr", session_qr);
}
