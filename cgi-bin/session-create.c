/* session-create - FastCGI (or CGI) executable for one endpoint: session_create in lib/. */
#include "server.h"
#include "session.h"

int
main(void)
{
    return server_main("session-create", session_create);
}
