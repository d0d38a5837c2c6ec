/* session-information - FastCGI (or CGI) executable for one endpoint: session_information in lib/.
 */
#include "server.h"
#include "session.h"

int
main(void)
{
    return server_main("session-information", session_information);
}
