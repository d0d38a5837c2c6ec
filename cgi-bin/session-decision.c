/* session-decision - FastCGI (or CGI) executable for one endpoint; the logic is in lib/session.c.
 */
#include "http.h"
#include "session.h"

int
main(void)
{
    return http_main("session-decision", handle_decision);
}
