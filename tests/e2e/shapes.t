#!/usr/bin/env bash
# Scope values in Didit's shapes (DESIGN §2.1), over HTTP: the consent screen describes each
# requested scope's fields; one valid value of every scope is accepted and comes back in
# the decision exactly as sent, but for the is_verified flags and the three booleans that
# qrshare writes itself; one wrong shape per kind of rule is refused with 400
# invalid_request naming the field, never the value: not in the answer, not in the
# executables' or lighttpd's logs, not in PostgreSQL's log; and nothing is stored.
. "$(dirname "$0")/lib.sh"
plan 72

export LC_ALL=C
rnd() { head -c 6 /dev/urandom | od -An -v -tx1 | tr -d ' \n'; }
# contains TEXT PART: 0 when TEXT holds PART.
contains() { [[ $1 == *"$2"* ]]; }

# An application of this test's own (every scope of the catalog): the snapshot of what a
# refused update could write covers its rows only.
new_app "Shapes Shop" shapes.example
ID=$APP_ID KEY=$APP_SECRET
ALL="user_id picture names email phone gender birthdate document_detail address bank_account preferences is_verified is_over_18 is_over_21 instagram_account x_account tiktok_account"
# The user's identity provider signs a birthdate and is_verified: the sources of
# birthdate.is_verified, is_over_18, is_over_21 and the is_verified scope.
BORN=1990-05-17
USER=$(user_token shapes-user EdDSA --claim "birthdate=$BORN" --claim-json is_verified=true)

create "{\"scope\":\"$ALL\"}" "$KEY"
is 201 "$STATUS" "create: a session asking for every scope of the catalog"

# --- the consent screen ----------------------------------------------------------------
information "$STOKEN" "$USER"
is "200 retrieved" "$STATUS $(j .status)" "information: retrieved"
is "$ALL" "$(j '[.scopes[].name] | join(" ")')" "information: every requested scope, in request order"
# scope_fields SCOPE: "type:field,field,..." of a scope (fields in the answer's order).
scope_fields() { j ".scopes[] | select(.name == \"$1\") | .type + \":\" + (if .fields == null then \"null\" else [.fields[].name] | join(\",\") end)"; }
while read -r scope want; do
    is "$want" "$(scope_fields "$scope")" "information: $scope is described as $want"
done <<'FIELDS'
user_id string:null
picture string:null
names object:first_name,family_name,full_name,is_verified
email object:email,is_verified,is_primary
phone object:phone_number,is_verified,is_primary
gender object:gender,is_verified
birthdate object:birthdate,is_verified
document_detail object:document_type,document_number,issuing_country,expiration_date,is_verified
address object:formatted,street_address,locality,region,postal_code,country,is_verified,is_primary
bank_account object:iban,account_holder,bic,is_verified,is_primary
preferences object:language,currency,time_zone
is_verified boolean:null
is_over_18 boolean:null
is_over_21 boolean:null
instagram_account object:username,is_verified
x_account object:username,is_verified
tiktok_account object:username,is_verified
FIELDS
is 0 "$(j '[.scopes[].fields // [] | .[] | select((keys | sort) != ["description", "format", "name", "required", "type"]
    or (.name | type) != "string" or (.type | IN("string", "boolean") | not)
    or (.required | type) != "boolean" or ((.format | type) | IN("string", "null") | not)
    or (.description | type) != "string" or .description == "")] | length')" \
    "information: every field has name, type (string or boolean), format (or null), required and a description"
is "true true true true" "$(j '[.scopes[] | select(.name == "names") | .fields[] | select(.name | IN("first_name", "family_name", "full_name") | not) | .required] + [.scopes[] | select(.name == "email") | .fields[] | .required][0:3] | map(tostring) | join(" ")')" \
    "information: names' is_verified and email's three fields are required"
is "false false false" "$(j '[.scopes[] | select(.name == "names") | .fields[] | select(.name | IN("first_name", "family_name", "full_name")) | .required | tostring] | join(" ")')" \
    "information: each name alone is optional"
is "false false" "$(j '[(.scopes[] | select(.name == "address") | .fields[] | select(.name == "region") | .required),
    (.scopes[] | select(.name == "bank_account") | .fields[] | select(.name == "bic") | .required)] | map(tostring) | join(" ")')" \
    "information: address.region and bank_account.bic are optional"
# field_format SCOPE FIELD
field_format() { j ".scopes[] | select(.name == \"$1\") | .fields[] | select(.name == \"$2\") | .format"; }
is "e164 date country date addr_spec country iban bic bcp47 currency iana_tz" \
    "$(field_format phone phone_number) $(field_format birthdate birthdate) $(field_format document_detail issuing_country) $(field_format document_detail expiration_date) $(field_format email email) $(field_format address country) $(field_format bank_account iban) $(field_format bank_account bic) $(field_format preferences language) $(field_format preferences currency) $(field_format preferences time_zone)" \
    "information: the formats of the fields that have one"
is "boolean boolean" "$(j '[.scopes[] | select(.name == "email") | .fields[] | select(.name != "email") | .type] | join(" ")')" \
    "information: email's is_verified and is_primary are booleans"

# --- wrong shapes: refused, named, never echoed, never logged, nothing stored -----------
# Each row: the user_data (with {M} for a marker, unique to this run) | what the
# description must name. The marker stands for the user's value: it must appear nowhere.
M=refused-$(rnd)
MD=$(rnd | tr -dc 0-9 | head -c 6)
while [ ${#MD} -lt 6 ]; do MD="${MD}7"; done
MYEAR=19${MD:0:2}
rows=$(cat <<ROWS
missing field | {"email":{"email":"$M@example.org","is_verified":false}} | user_data.email.is_primary
extra field | {"email":{"email":"$M-x@example.org","is_verified":false,"is_primary":true,"nickname":"$M-nick"}} | user_data.email.nickname
wrong JSON type: email a string | {"email":"$M-s@example.org"} | user_data.email
wrong JSON type: a field a number | {"gender":{"gender":1${MD}4,"is_verified":false}} | user_data.gender.gender
wrong JSON type: is_primary a string | {"phone":{"phone_number":"+4420794${MD:0:5}","is_verified":false,"is_primary":"$M-yes"}} | user_data.phone.is_primary
wrong JSON type: a boolean scope a string | {"is_over_18":"$M-yes"} | user_data.is_over_18
bad E.164 | {"phone":{"phone_number":"+44 (0)20 $MD 1","is_verified":false,"is_primary":true}} | user_data.phone.phone_number
bad date: no such day | {"birthdate":{"birthdate":"$MYEAR-02-30","is_verified":false}} | user_data.birthdate.birthdate
bad date: another form | {"document_detail":{"document_type":"passport","document_number":"$M-doc","issuing_country":"GB","expiration_date":"17/05/$MYEAR","is_verified":false}} | user_data.document_detail.expiration_date
bad country: no alpha-2 code | {"address":{"formatted":"$M-f","street_address":"$M-street","locality":"$M-town","postal_code":"$MD","country":"$M-land","is_verified":false,"is_primary":true}} | user_data.address.country
bad country: alpha-2 but no country | {"document_detail":{"document_type":"passport","document_number":"$M-doc2","issuing_country":"ZZ","expiration_date":"2031-12-10","is_verified":false}} | user_data.document_detail.issuing_country
http:// picture | {"picture":"http://cdn.example.org/$M.png"} | user_data.picture
names with no name | {"names":{"is_verified":false}} | user_data.names
names with an empty name only | {"names":{"first_name":"","is_verified":false}} | user_data.names
bad IBAN check digits | {"bank_account":{"iban":"GB00WEST1234569876${MD:0:4}","account_holder":"$M-holder","is_verified":false,"is_primary":true}} | user_data.bank_account.iban
bad currency | {"preferences":{"currency":"QQQ"}} | user_data.preferences.currency
bad time zone | {"preferences":{"time_zone":"Europe/$M"}} | user_data.preferences.time_zone
too long | {"user_id":"$M$(head -c 256 /dev/zero | tr '\0' u)"} | user_data.user_id
extra field where all are optional | {"preferences":{"language":"en","colour":"$M-val"}} | user_data.preferences.colour
ROWS
)
printf '%s\n' "$M" "$MYEAR-02-30" "17/05/$MYEAR" "+44 (0)20 $MD 1" "1${MD}4" "GB00WEST1234569876${MD:0:4}" >"$tmp/needles"
logs_mark
BEFORE=$(db_snapshot "$ID")
echoed=
while IFS='|' read -r name data field; do
    name=${name% } data=${data# } data=${data% } field=${field# }
    update "$STOKEN" "$USER" "{\"status\":\"confirmed\",\"user_data\":$data}"
    desc=$(j .error_description)
    if [ "$STATUS $(j .error)" = "400 invalid_request" ] && contains "$desc" "$field"; then
        pass_or_fail 0 "$name: 400 invalid_request naming $field"
    else
        pass_or_fail 1 "$name: 400 invalid_request naming $field"
        echo "#   got: $STATUS $(j .error): $desc"
    fi
    grep -qaFf "$tmp/needles" <<<"$BODY" && echoed+="$name; "
done <<<"$rows"
is "" "$echoed" "no answer echoes a refused value"
is "$BEFORE" "$(db_snapshot "$ID")" "nothing was written (sessions, events: counts and checksums)"
req GET "/auth/v2/session/$SID/status/" -H "X-Api-Key: $KEY"
is "200 retrieved" "$STATUS $(j .status)" "the session is still retrieved"

# Controls for the log search: a claims_token refusal is logged by the executable (to
# lighttpd's error log), and a failed statement naming a marker reaches PostgreSQL's log.
update "$STOKEN" "$USER" '{"status":"declined","claims_token":"garbled"}'
is_error 400 invalid_request "control: a garbled claims_token is refused (and logged)"
CONTROL=control-$(rnd)
sql "SELECT '$CONTROL' WHERE 1 / 0 = 1" >/dev/null 2>&1
for i in $(seq 50); do logs_since | grep -qF "$CONTROL" && break; sleep 0.1; done
logs_since >"$tmp/logs"
ok 'grep -qE "^($QRSHARE_SERVER-error|session-update)\.log: .*claims_token" "$tmp/logs"' "control: the executables' stderr since the mark is searched"
ok 'grep -q "^postgres.log: .*$CONTROL" "$tmp/logs"' "control: PostgreSQL's log since the mark is searched"
leaked=$(grep -aFf "$tmp/needles" "$tmp/logs" | cut -d: -f1 | sort -u | xargs)
is "" "$leaked" "no refused value in any log: executables, lighttpd, PostgreSQL (logs listed)"

# --- one valid value of every scope: the decision gives them back -------------------------
SENT=$(jq -cn --arg born "$BORN" '{
    user_id: "ada-1815",
    picture: "https://cdn.example.org/u/ada.png",
    names: {first_name: "Ada", family_name: "Lovelace", full_name: "Ada King, Countess of Lovelace", is_verified: true},
    email: {email: "ada@example.org", is_verified: true, is_primary: true},
    phone: {phone_number: "+442079460958", is_verified: true, is_primary: false},
    gender: {gender: "female", is_verified: false},
    birthdate: {birthdate: $born, is_verified: false},
    document_detail: {document_type: "passport", document_number: "X1234567", issuing_country: "GB",
        expiration_date: "2031-12-10", is_verified: true},
    address: {formatted: "10 Downing Street, London SW1A 2AA, United Kingdom", street_address: "10 Downing Street",
        locality: "London", region: "Greater London", postal_code: "SW1A 2AA", country: "GB",
        is_verified: true, is_primary: true},
    bank_account: {iban: "GB82WEST12345698765432", account_holder: "Ada Lovelace", bic: "NWBKGB2L",
        is_verified: true, is_primary: true},
    preferences: {language: "en-GB", currency: "GBP", time_zone: "Europe/London"},
    is_verified: false,
    is_over_18: false,
    is_over_21: false,
    instagram_account: {username: "ada.lovelace", is_verified: true},
    x_account: {username: "ada_lovelace", is_verified: true},
    tiktok_account: {username: "adalovelace", is_verified: false}}')
# What qrshare makes of it: every is_verified flag false but birthdate's (the signed
# birthdate equals it), the booleans from the signed birthdate (35 and more years ago)
# and the signed is_verified claim; everything else, is_primary included, as sent.
WANT=$(jq -c '(.[] | objects | select(has("is_verified"))).is_verified = false
    | .birthdate.is_verified = true | .is_verified = true | .is_over_18 = true | .is_over_21 = true' <<<"$SENT")
update "$STOKEN" "$USER" "{\"status\":\"confirmed\",\"user_data\":$SENT}"
is "200 confirmed" "$STATUS $(j .status)" "update: a valid value of every scope is accepted"
req GET "/auth/v2/session/$SID/decision/" -H "X-Api-Key: $KEY"
is "200 $ALL" "$STATUS $(j .scope)" "decision: every scope granted"
for s in $ALL; do
    is "$(jq -cS ".$s" <<<"$WANT")" "$(jq -cS ".user_data.$s" <<<"$BODY")" "decision: $s as sent, with qrshare's verification"
done
is "$(jq -c 'keys' <<<"$WANT" | jq -c '. + ["sub"] | sort')" "$(j '.user_data | keys' | jq -c sort)" \
    "decision: user_data holds those scopes and the pairwise sub, nothing else"

done_testing
