/* session-refresh - FastCGI (or CGI) executable for one endpoint: session_refresh in lib/. */
#include "server.h"
#include "session.h"

int
main(void)
{
    return server_main("session-refresh", session_refresh);
}
