/* session-status - FastCGI (or CGI) executable for one endpoint: session_status in lib/. */
#include "server.h"
#include "session.h"

int
main(void)
{
    return server_main("session-status", session_status);
}
