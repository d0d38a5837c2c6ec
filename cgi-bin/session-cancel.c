/* session-cancel - FastCGI (or CGI) executable for one endpoint: session_cancel in lib/. */
#include "server.h"
#include "session.h"

int
main(void)
{
    return server_main("session-cancel", session_cancel);
}
