# qrshare-access-log.sed - keeps secrets out of a web server's access log (sed -E).
#
# Pipe the access log through it, for lighttpd (server-wide):
#   accesslog.filename = "|exec sed -u -E -f /usr/share/qrshare/conf/qrshare-access-log.sed >> /var/log/lighttpd/access.log"
# for Apache (server-wide or in a VirtualHost):
#   CustomLog "|$exec sed -u -E -f /usr/share/qrshare/conf/qrshare-access-log.sed >> /var/log/apache2/access.log" combined
#
# Every secret qrshare makes (session tokens, client secrets, access tokens) is 32 random
# bytes as 43 base64url characters: any such run in a line (the phone's
# /auth/v2/session/{session_token}/... paths, the demo's /authorize/{session_token}) is
# written (token). Every query-string value, whatever its name, is written (masked): the
# push paths and qr.svg carry ?token=, and a client may wrongly send ?api_key=<secret>;
# an item without "=" (?<secret>) is masked whole. This applies to the whole line, so a
# Referer is masked too.
s#(^|[^A-Za-z0-9_-])[A-Za-z0-9_-]{43}([^A-Za-z0-9_-]|$)#\1(token)\2#g
s#([?&][^=&?"[:space:]]*=)[^&"[:space:]]*#\1(masked)#g
s#([?&])[^=&?"[:space:](]+([&"[:space:]]|$)#\1(masked)\2#g
