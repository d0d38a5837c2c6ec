-- 0010_iban_check_digits: format_ok('iban', ...) also refuses the check digits 00, 01 and
-- 99, which no IBAN has (ISO 13616 computes them as 98 - (n mod 97): 02 to 98), but which
-- pass the mod-97 test for one BBAN in 97 each. Found by tests/e2e/shapes.t, whose random
-- "GB00..." IBAN passed that test. The function is 0006's but for the 'iban' branch.

SET ROLE qrshare_owner;

CREATE OR REPLACE FUNCTION qrshare.format_ok(p_format text, p_value text) RETURNS boolean
LANGUAGE plpgsql STABLE STRICT
AS $$
DECLARE
    v_year   integer;
    v_month  integer;
    v_day    integer;
    v_digits text;
BEGIN
    CASE p_format
    WHEN 'e164' THEN
        RETURN p_value ~ '^\+[1-9][0-9]{1,14}$';
    WHEN 'date' THEN
        -- a real calendar date: the parts are checked before make_date sees them, so that
        -- nothing raises (2023-02-29 is refused, 2024-02-29 accepted, year 0 refused)
        IF p_value !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
            RETURN false;
        END IF;
        v_year := substr(p_value, 1, 4)::integer;
        v_month := substr(p_value, 6, 2)::integer;
        v_day := substr(p_value, 9, 2)::integer;
        IF v_year < 1 OR v_month NOT BETWEEN 1 AND 12 OR v_day < 1 THEN
            RETURN false;
        END IF;
        RETURN v_day <= extract(day FROM make_date(v_year, v_month, 1) + interval '1 month'
                                         - interval '1 day');
    WHEN 'country' THEN
        RETURN EXISTS (SELECT FROM qrshare.countries c WHERE c.code = p_value);
    WHEN 'currency' THEN
        RETURN EXISTS (SELECT FROM qrshare.currencies c WHERE c.code = p_value);
    WHEN 'https_url' THEN
        -- https://host[:port][/path]: a host name of letters, digits and hyphens (no '@',
        -- so no user name or password), then a path of the characters RFC 3986 allows
        -- (query and fragment included), none of them space, quote or angle bracket
        RETURN p_value ~ ('^https://[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
                          '(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*'
                          '(:[0-9]{1,5})?(/[A-Za-z0-9._~!$&''()*+,;=:@/?#%-]*)?$');
    WHEN 'addr_spec' THEN
        -- the practical addr-spec: a dot-atom local part of at most 64 characters, a host
        -- name with a top-level domain of letters; no quoted local parts, no IP literals
        RETURN p_value ~ ('^[A-Za-z0-9!#$%&''*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&''*+/=?^_`{|}~-]+)*'
                          '@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$')
           AND length(split_part(p_value, '@', 1)) <= 64;
    WHEN 'bcp47' THEN
        RETURN p_value ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$';
    WHEN 'iana_tz' THEN
        RETURN EXISTS (SELECT FROM qrshare.time_zones z WHERE z.name = p_value);
    WHEN 'iban' THEN
        -- check digits 02 to 98 (ISO 13616 makes no others: 00, 01 and 99 pass the
        -- mod-97 test below for the BBANs whose true check digits are 97, 98 and 02)
        IF p_value !~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'
           OR substr(p_value, 3, 2) NOT BETWEEN '02' AND '98' THEN
            RETURN false;
        END IF;
        -- ISO 13616: the first four characters moved to the end, each letter written as
        -- two digits (A = 10 ... Z = 35); that number mod 97 is 1
        SELECT string_agg(CASE WHEN ascii(t.c) >= ascii('A') THEN (ascii(t.c) - 55)::text
                               ELSE t.c END, '' ORDER BY t.i)
          INTO v_digits
          FROM unnest(string_to_array(substr(p_value, 5) || left(p_value, 4), NULL))
               WITH ORDINALITY AS t(c, i);
        RETURN v_digits::numeric % 97 = 1;
    WHEN 'bic' THEN
        RETURN p_value ~ '^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$';
    ELSE
        RAISE EXCEPTION 'format % is not known to qrshare.format_ok', p_format
            USING ERRCODE = 'invalid_parameter_value';
    END CASE;
END
$$;
COMMENT ON FUNCTION qrshare.format_ok(text, text) IS
    'True when p_value has the format p_format (a name in qrshare.formats); an unknown format '
    'raises. Dates are real calendar dates, IBANs have check digits 02 to 98 and pass the '
    'mod-97 check, countries and currencies are in their tables, time zones in '
    'qrshare.time_zones.';

RESET ROLE;
