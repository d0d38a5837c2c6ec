/* session-decision - FastCGI (or CGI) executable for one endpoint: session_decision in lib/. */
#include "server.h"
#include "session.h"

int
main(void)
{
    return server_main("session-decision", session_decision);
}
