/* session-update - FastCGI (or CGI) executable for one endpoint: session_update in lib/. */
#include "server.h"
#include "session.h"

int
main(void)
{
    return server_main("session-update", session_update);
}
