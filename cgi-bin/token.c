/* token - FastCGI (or CGI) executable for one endpoint: session_token in lib/. */
#include "server.h"
#include "session.h"

int
main(void)
{
    return server_main("token", session_token);
}
