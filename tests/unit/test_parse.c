/*
 * test_parse.c: table-driven checks of parse.c.  Good configurations
 * must produce the right struct config (defaults, every directive,
 * listeners, servers sharing a Gemini address); bad ones must fail with
 * exactly the "file:line: message" an operator would read.  config.c
 * is linked too; it needs nothing from the serving side (gen.c sets up
 * and frees a generation's sockets, TLS contexts and snapshots).  The
 * dynamic locations (parsedyn.c: cgi, fastcgi in its three forms, param
 * in its four spellings) and timeout cgi and max-scripts have rows of
 * their own, at and past each limit.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "config.h"
#include "feed.h"
#include "gemtext.h"
#include "parse.h"
#include "search.h"
#include "unit.h"

#define SRV(name, body)							\
	"server \"" name "\" {\n"					\
	"\troot \"/srv/" name "\"\n"					\
	"\tcert \"/etc/" name ".crt\"\n"				\
	"\tkey \"/etc/" name ".key\"\n"					\
	body								\
	"}\n"

#define LONG201	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"	\
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"	\
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"	\
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"	\
		"x"

#define MINIMAL	SRV("example.org", "\tlisten gemini on 127.0.0.1 port 1965\n")

/* A location of server "a" (its first line is line 5). */
#define LOC(body)	SRV("a", "\tlocation \"/cgi/*\" {\n" body "\t}\n")

#define X10	"xxxxxxxxxx"
#define X100	X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
/* The longest path a sockaddr_un holds (107 bytes), and one more. */
#define PATH107	"/" X100 "xxxxxx"
#define PATH108	"/" X100 "xxxxxxx"
#define NAME64	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"		\
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

/* LOCATION_PARAMS_MAX param lines (P00 to P29, P31, P32): lines 6-37. */
#define PARAM(a, b)	"\t\tparam P" a b " \"v" a b "\"\n"
#define PARAM2(a)	PARAM(a, "1") PARAM(a, "2")
#define PARAM10(a)	PARAM(a, "0") PARAM2(a) PARAM(a, "3")		\
			"\t\tparam P" a "4 = \"v" a "4\"\n"		\
			"\t\tparam P" a "5= \"v" a "5\"\n"		\
			"\t\tparam P" a "6=\"v" a "6\"\n"		\
			PARAM(a, "7") PARAM(a, "8") PARAM(a, "9")
#define PARAMS32	PARAM10("0") PARAM10("1") PARAM10("2") PARAM2("3")

struct bad_test {
	const char	*name;
	const char	*text;
	const char	*err;
};

static const struct bad_test bad_tests[] = {
	{ "location outside a server", "location \"/a/*\" { block }\n",
	    "t.conf:1: location belongs in a server block" },
	{ "location glob not a path", SRV("a", "\tlisten gemini on 127.0.0.1\n"
	    "\tlocation \"a/*\" {\n\t\tblock\n\t}\n"),
	    "t.conf:6: location \"a/*\": a location must start with / or a "
	    "wildcard" },
	{ "location glob with an open [", SRV("a", "\tlocation \"/[ab\" {\n"
	    "\t}\n"), "t.conf:5: location \"/[ab\": a [ with no ] in a "
	    "location" },
	{ "unknown directive in a location", SRV("a", "\tlocation \"/a/*\" {\n"
	    "\t\tfrobnicate\n\t}\n"),
	    "t.conf:6: frobnicate is not allowed in a location block" },
	{ "server directive in a location", SRV("a", "\tlocation \"/a/*\" {\n"
	    "\t\troot \"/x\"\n\t}\n"),
	    "t.conf:6: root is not allowed in a location block" },
	{ "location not closed", "server \"a\" {\n\tlocation \"/a/*\" {\n"
	    "\t\tblock\n", "t.conf:4: missing } at the end of location "
	    "\"/a/*\"" },
	{ "block return 20", SRV("a", "\tlocation \"/a/*\" {\n"
	    "\t\tblock return 20 \"x\"\n\t}\n"),
	    "t.conf:6: block return: 20 is out of range (30 to 59)" },
	{ "block return 34", SRV("a", "\tlocation \"/a/*\" {\n"
	    "\t\tblock return 34 \"x\"\n\t}\n"),
	    "t.conf:6: block return: 34 is not a Gemini status" },
	{ "block return 31 without a target", SRV("a",
	    "\tlocation \"/a/*\" {\n\t\tblock return 31\n\t}\n"),
	    "t.conf:6: block return 31: a redirect needs its target" },
	{ "block meta not UTF-8", SRV("a", "\tlocation \"/a/*\" {\n"
	    "\t\tblock return 51 \"a\xff b\"\n\t}\n"),
	    "t.conf:6: block return: meta must be one line of UTF-8 text" },
	{ "block given twice", SRV("a", "\tlocation \"/a/*\" {\n"
	    "\t\tblock\n\t\tblock return 51\n\t}\n"),
	    "t.conf:7: block given twice" },
	{ "strip too many", SRV("a", "\tlocation \"/a/*\" {\n"
	    "\t\tstrip 33\n\t}\n"),
	    "t.conf:6: strip: 33 is out of range (0 to 32)" },
	{ "allow client: not a hash", SRV("a", "\tlocation \"/a/*\" {\n"
	    "\t\tallow client \"abc\"\n\t}\n"),
	    "t.conf:6: allow client: \"abc\" is not SHA256: and 64 hex "
	    "digits" },
	{ "require client something", SRV("a", "\tlocation \"/a/*\" {\n"
	    "\t\trequire client password\n\t}\n"),
	    "t.conf:6: expected certificate or ca, got password" },
	{ "require client ca: relative path", SRV("a",
	    "\tlocation \"/a/*\" {\n\t\trequire client ca \"ca.pem\"\n"
	    "\t}\n"), "t.conf:6: require client ca: \"ca.pem\" is not an "
	    "absolute path" },
	{ "default type: not a MIME type", SRV("a",
	    "\tdefault type \"text\"\n"),
	    "t.conf:5: default type: \"text\" is not a MIME type" },
	{ "index: a path", SRV("a", "\tindex \"a/b.gmi\"\n"),
	    "t.conf:5: index: \"a/b.gmi\" is not a file name" },
	{ "auto index maybe", SRV("a", "\tlocation \"/a/*\" {\n"
	    "\t\tauto index maybe\n\t}\n"),
	    "t.conf:6: expected on or off, got maybe" },
	{ "lang in a location: not a tag", SRV("a", "\tlocation \"/a/*\" {\n"
	    "\t\tlang \"en us\"\n\t}\n"),
	    "t.conf:6: lang: \"en us\" is not a language tag" },
	{ "unknown directive", "foo 1\n" MINIMAL,
	    "t.conf:1: unknown directive foo" },
	{ "unknown directive in server",
	    "server \"a\" {\n\troot \"/r\"\n\tbogus\n}\n",
	    "t.conf:3: unknown directive bogus" },
	{ "server directive at top level", "root \"/r\"\n",
	    "t.conf:1: root belongs in a server block" },
	{ "top-level directive in a server",
	    "server \"a\" {\n\tprefork 2\n}\n",
	    "t.conf:2: prefork is not allowed in a server block" },
	{ "nested server", "server \"a\" {\n\tserver \"b\" {\n}\n}\n",
	    "t.conf:2: server is not allowed in a server block" },
	{ "prefork zero", "prefork 0\n" MINIMAL,
	    "t.conf:1: prefork: 0 is out of range (1 to 64)" },
	{ "prefork too big", "\n\nprefork 65\n" MINIMAL,
	    "t.conf:3: prefork: 65 is out of range (1 to 64)" },
	{ "prefork not a number", "prefork two\n" MINIMAL,
	    "t.conf:1: prefork: \"two\" is not a number" },
	{ "prefork negative", "prefork -1\n" MINIMAL,
	    "t.conf:1: prefork: \"-1\" is not a number" },
	{ "prefork quoted", "prefork \"2\"\n" MINIMAL,
	    "t.conf:1: expected a number, got \"2\"" },
	{ "prefork missing value", "prefork\n" MINIMAL,
	    "t.conf:1: expected a number, got end of line" },
	{ "prefork twice", "prefork 2\nprefork 3\n" MINIMAL,
	    "t.conf:2: prefork given twice" },
	{ "trailing word", "prefork 2 3\n" MINIMAL,
	    "t.conf:1: expected end of line, got 3" },
	{ "timeout kind", "timeout idle 5\n" MINIMAL,
	    "t.conf:1: expected handshake, request, response or cgi, got "
	    "idle" },
	{ "timeout range", "timeout request 3601\n" MINIMAL,
	    "t.conf:1: timeout request: 3601 is out of range (1 to 3600)" },
	{ "timeout twice", "timeout request 5\ntimeout request 6\n" MINIMAL,
	    "t.conf:2: timeout request given twice" },
	{ "max-connections-per-address 0",
	    "max-connections-per-address 0\n" MINIMAL,
	    "t.conf:1: max-connections-per-address: 0 is out of range "
	    "(1 to 4095)" },
	{ "max-connections-per-address past its 12 bits",
	    "max-connections-per-address 4096\n" MINIMAL,
	    "t.conf:1: max-connections-per-address: 4096 is out of range "
	    "(1 to 4095)" },
	{ "max-connections-per-address twice in a server",
	    SRV("a", "\tmax-connections-per-address 2\n"
	    "\tmax-connections-per-address 3\n"),
	    "t.conf:6: max-connections-per-address given twice" },
	{ "rate-limit without seconds", "rate-limit 10\n" MINIMAL,
	    "t.conf:1: expected a number, got end of line" },
	{ "rate-limit seconds range", "rate-limit 10 86401\n" MINIMAL,
	    "t.conf:1: rate-limit seconds: 86401 is out of range "
	    "(1 to 86400)" },
	{ "rate-limit requests range", "rate-limit 1000001 60\n" MINIMAL,
	    "t.conf:1: rate-limit: 1000001 is out of range (1 to 1000000)" },
	{ "address-table too small", "address-table 1023\n" MINIMAL,
	    "t.conf:1: address-table: 1023 is out of range (1024 to "
	    "4194304)" },
	{ "ipv6-prefix in a server", SRV("a", "\tipv6-prefix 48\n"),
	    "t.conf:5: ipv6-prefix is not allowed in a server block" },
	{ "ipv6-prefix too short", "ipv6-prefix 8\n" MINIMAL,
	    "t.conf:1: ipv6-prefix: 8 is out of range (16 to 128)" },
	{ "max-connections range", "max-connections 0\n" MINIMAL,
	    "t.conf:1: max-connections: 0 is out of range (1 to 1000000)" },
	{ "max-connections huge", "max-connections 99999999999999999999\n"
	    MINIMAL, "t.conf:1: max-connections: 99999999999999999999 is "
	    "out of range (1 to 1000000)" },
	{ "inline-max range", "inline-max 17M\n" MINIMAL,
	    "t.conf:1: inline-max: 17M is out of range (0 to 16777216)" },
	{ "inline-max suffix", "inline-max 1T\n" MINIMAL,
	    "t.conf:1: inline-max: \"1T\" is not a number" },
	{ "inline-max 1G is out of range", "inline-max 1G\n" MINIMAL,
	    "t.conf:1: inline-max: 1G is out of range (0 to 16777216)" },
	{ "snapshot-max too small", "snapshot-max 1K\n" MINIMAL,
	    "t.conf:1: snapshot-max: 1K is out of range (1048576 to "
	    "1099511627776)" },
	{ "snapshot-max too big", "snapshot-max 1025G\n" MINIMAL,
	    "t.conf:1: snapshot-max: 1025G is out of range (1048576 to "
	    "1099511627776)" },
	{ "snapshot-max twice", "snapshot-max 1G\nsnapshot-max 2G\n" MINIMAL,
	    "t.conf:2: snapshot-max given twice" },
	{ "snapshot-max in a server", SRV("a", "\tsnapshot-max 1G\n"
	    "\tlisten gemini on 127.0.0.1 port 1965\n"),
	    "t.conf:5: snapshot-max is not allowed in a server block" },
	{ "user unknown", "user \"no-such-user-here\"\n" MINIMAL,
	    "t.conf:1: unknown user no-such-user-here" },
	{ "user bare word", "user nobody\n" MINIMAL,
	    "t.conf:1: expected a quoted string, got nobody" },
	{ "chroot relative", "chroot \"var/empty\"\n" MINIMAL,
	    "t.conf:1: chroot: \"var/empty\" is not an absolute path" },
	{ "chroot empty", "chroot \"\"\n" MINIMAL,
	    "t.conf:1: chroot: empty string" },
	{ "feeds twice in a location", SRV("a",
	    "\tlisten gemini on 127.0.0.1 port 1965\n"
	    "\tlocation \"/log/*\" {\n\t\tfeeds off\n\t\tfeeds on\n\t}\n"),
	    "t.conf:8: feeds given twice" },
	{ "feeds maybe", SRV("a", "\tfeeds maybe\n"
	    "\tlisten gemini on 127.0.0.1 port 1965\n"),
	    "t.conf:5: expected on or off, got maybe" },
	{ "feeds twice", SRV("a", "\tfeeds off\n\tfeeds on\n"
	    "\tlisten gemini on 127.0.0.1 port 1965\n"),
	    "t.conf:6: feeds given twice" },
	{ "feed-entries 0", SRV("a", "\tfeed-entries 0\n"
	    "\tlisten gemini on 127.0.0.1 port 1965\n"),
	    "t.conf:5: feed-entries: 0 is out of range (1 to 1000)" },
	{ "feed-entries 1001", SRV("a", "\tfeed-entries 1001\n"
	    "\tlisten gemini on 127.0.0.1 port 1965\n"),
	    "t.conf:5: feed-entries: 1001 is out of range (1 to 1000)" },
	{ "feed-title empty", SRV("a", "\tfeed-title \"\"\n"
	    "\tlisten gemini on 127.0.0.1 port 1965\n"),
	    "t.conf:5: feed-title: empty string" },
	{ "feed-title not UTF-8", SRV("a", "\tfeed-title \"\xff\"\n"
	    "\tlisten gemini on 127.0.0.1 port 1965\n"),
	    "t.conf:5: feed-title: not UTF-8" },
	{ "gopher wrap below GOPHER_WRAP_MIN", "gopher wrap 19\n" MINIMAL,
	    "t.conf:1: gopher wrap: 19 is out of range (20 to 67)" },
	{ "gopher wrap above GOPHER_WRAP_MAX", SRV("a", "\tgopher wrap 68\n"
	    "\tlisten gopher on 127.0.0.1 port 70\n"),
	    "t.conf:5: gopher wrap: 68 is out of range (20 to 67)" },
	{ "gopher wrap not a number", "gopher wrap wide\n" MINIMAL,
	    "t.conf:1: gopher wrap: \"wide\" is not a number" },
	{ "gopher wrap without a width", "gopher wrap\n" MINIMAL,
	    "t.conf:1: expected a number, got end of line" },
	{ "gopher without wrap", "gopher 67\n" MINIMAL,
	    "t.conf:1: expected wrap, got 67" },
	{ "gopher wrap twice", SRV("a", "\tgopher wrap 40\n"
	    "\tgopher wrap 50\n\tlisten gopher on 127.0.0.1 port 70\n"),
	    "t.conf:6: gopher wrap given twice" },
	{ "feeds at the top level", "feeds off\n" MINIMAL,
	    "t.conf:1: feeds belongs in a server block" },
	{ "log style unknown", "log style apache\n" MINIMAL,
	    "t.conf:1: expected capsuled, common or combined, got apache" },
	{ "log style twice", "log style common\nlog style combined\n"
	    MINIMAL, "t.conf:2: log style given twice" },
	{ "log style without a value", "log style\n" MINIMAL,
	    "t.conf:1: expected capsuled, common or combined, got end of "
	    "line" },
	{ "log twice beside a style", "log stderr\nlog style common\n"
	    "log syslog\n" MINIMAL, "t.conf:3: log given twice" },
	{ "log keyword", "log file\n" MINIMAL,
	    "t.conf:1: expected syslog, stderr or a quoted file name, "
	    "got file" },
	{ "access-log keyword", "access-log on\n" MINIMAL,
	    "t.conf:1: expected off or a quoted file name, got on" },
	{ "unterminated string", "user \"nobody\n" MINIMAL,
	    "t.conf:1: unterminated string" },
	{ "bad escape", "chroot \"/a\\tb\"\n" MINIMAL,
	    "t.conf:1: bad escape in string (only \\\" and \\\\)" },
	{ "control character in string", "chroot \"/a\tb\"\n" MINIMAL,
	    "t.conf:1: control character in string" },
	{ "control character outside a string", "\x01prefork 2\n" MINIMAL,
	    "t.conf:1: unexpected character 0x01" },
	{ "C1 control character in string",
	    "chroot \"/a\xc2\x9b" "b\"\n" MINIMAL,
	    "t.conf:1: control character in string" },
	{ "C1 NEL in string", "chroot \"/a\xc2\x85\"\n" MINIMAL,
	    "t.conf:1: control character in string" },
	{ "non-ASCII byte in a word", "prefork 2\xc2\x9b\n" MINIMAL,
	    "t.conf:1: unexpected character 0xc2" },
	{ "stray brace", "}\n", "t.conf:1: } without a server block" },
	{ "stray open brace", "{\n", "t.conf:1: expected a directive, got {" },
	{ "no server", "prefork 2\n", "t.conf:2: no server block" },
	{ "empty file", "", "t.conf:1: no server block" },
	{ "server name bare", "server example.org {\n}\n",
	    "t.conf:1: expected a quoted server name, got example.org" },
	{ "server name with slash", "server \"a/b\" {\n}\n",
	    "t.conf:1: server \"a/b\": not a host name" },
	{ "server without brace", "server \"a\"\n",
	    "t.conf:1: expected {, got end of line" },
	{ "server unterminated", "server \"a\" {\n\troot \"/r\"\n",
	    "t.conf:3: missing } at the end of server \"a\"" },
	{ "server without root",
	    "server \"a\" {\n\tlisten gopher on 127.0.0.1 port 70\n}\n",
	    "t.conf:1: server \"a\": no root" },
	{ "server without listen",
	    "\nserver \"a\" {\n\troot \"/r\"\n}\n",
	    "t.conf:2: server \"a\": no listen" },
	{ "gemini cert without key",
	    "server \"a\" {\n\troot \"/r\"\n\tcert \"/c\"\n"
	    "\tlisten gemini on 127.0.0.1\n}\n",
	    "t.conf:1: server \"a\": cert without key" },
	{ "gemini key without cert",
	    "server \"a\" {\n\troot \"/r\"\n\tkey \"/k\"\n"
	    "\tlisten gemini on 127.0.0.1\n}\n",
	    "t.conf:1: server \"a\": key without cert" },
	{ "cert-dir empty", "cert-dir \"\"\n" MINIMAL,
	    "t.conf:1: cert-dir: empty string" },
	{ "cert-dir twice", "cert-dir \"/a\"\ncert-dir \"/b\"\n" MINIMAL,
	    "t.conf:2: cert-dir given twice" },
	{ "cert-dir in a server", SRV("a", "\tcert-dir \"/a\"\n"),
	    "t.conf:5: cert-dir is not allowed in a server block" },
	{ "root twice",
	    "server \"a\" {\n\troot \"/r\"\n\troot \"/s\"\n}\n",
	    "t.conf:3: root given twice" },
	{ "server twice", MINIMAL "server \"EXAMPLE.org\" {\n}\n",
	    "t.conf:7: server \"EXAMPLE.org\" defined twice" },
	{ "lang bad", "server \"a\" {\n\tlang \"en;x\"\n}\n",
	    "t.conf:2: lang: \"en;x\" is not a language tag" },
	{ "listen protocol", "server \"a\" {\n\tlisten http on *\n}\n",
	    "t.conf:2: expected gemini or gopher, got http" },
	{ "listen port range",
	    "server \"a\" {\n\tlisten gopher on * port 65536\n}\n",
	    "t.conf:2: port: 65536 is out of range (0 to 65535)" },
	{ "listen port negative",
	    "server \"a\" {\n\tlisten gopher on * port -1\n}\n",
	    "t.conf:2: port: \"-1\" is not a number" },
	{ "listen unknown flag",
	    "server \"a\" {\n\tlisten gopher on * port 70 fast\n}\n",
	    "t.conf:2: expected port or end of line, got fast" },
	{ "listen bad address",
	    "server \"a\" {\n\tlisten gopher on \"bad host\" port 70\n}\n",
	    "t.conf:2: listen: bad host: Name or service not known" },
	{ "listen empty brackets",
	    "server \"a\" {\n\tlisten gopher on [] port 70\n}\n",
	    "t.conf:2: empty address" },
	{ "gopher address shared",
	    SRV("a", "\tlisten gopher on 127.0.0.1 port 70\n")
	    SRV("b", "\tlisten gopher on 127.0.0.1 port 70\n"),
	    "t.conf:11: listen: gopher address 127.0.0.1:70 already "
	    "belongs to server \"a\"" },
	{ "gemini and gopher on one address",
	    SRV("a", "\tlisten gemini on 127.0.0.1 port 7000\n"
	    "\tlisten gopher on 127.0.0.1 port 7000\n"),
	    "t.conf:6: listen: 127.0.0.1:7000 is already a gemini address" },
	{ "wildcard overlaps an address",
	    SRV("a", "\tlisten gemini on 127.0.0.1 port 1965\n"
	    "\tlisten gemini on 0.0.0.0 port 1965\n"),
	    "t.conf:6: listen: 0.0.0.0:1965 overlaps 127.0.0.1:1965" },
	{ "search keyword", SRV("a", "\tsearch on\n"),
	    "t.conf:5: expected off or a quoted prompt, got on" },
	{ "search prompt too long", SRV("a", "\tsearch \"" LONG201 "\"\n"),
	    "t.conf:5: search: prompt too long (200 bytes at most)" },
	{ "search prompt not UTF-8", SRV("a", "\tsearch \"\xff\"\n"),
	    "t.conf:5: search: prompt is not UTF-8" },
	{ "search twice", SRV("a", "\tsearch off\n\tsearch off\n"),
	    "t.conf:6: search given twice" },
	{ "session-tickets too short", "session-tickets 10\n" MINIMAL,
	    "t.conf:1: session-tickets: 10 is out of range (60 to 86400)" },
	{ "session-tickets word", "session-tickets on\n" MINIMAL,
	    "t.conf:1: session-tickets: \"on\" is not a number" },
	{ "tls on a gemini listener",
	    SRV("a", "\tlisten gemini on 127.0.0.1 port 1965 tls\n"),
	    "t.conf:5: tls is not allowed on a gemini listener" },
	{ "unknown listen flag",
	    SRV("a", "\tlisten gopher on 127.0.0.1 port 70 fast\n"),
	    "t.conf:5: expected port or end of line, got fast" },
	{ "gopher tls: key without cert",
	    "server \"a\" {\n\troot \"/r\"\n\tkey \"/k\"\n"
	    "\tlisten gopher on 127.0.0.1 port 70 tls\n}\n",
	    "t.conf:1: server \"a\": key without cert" },
	{ "public without protocol", SRV("a", "\tpublic port 1965\n"),
	    "t.conf:5: expected gemini or gopher, got port" },
	{ "public without port", SRV("a", "\tpublic gopher 70\n"),
	    "t.conf:5: expected port, got 70" },
	{ "public port out of range",
	    SRV("a", "\tpublic gemini port 65536\n"),
	    "t.conf:5: port: 65536 is out of range (1 to 65535)" },
	{ "public gopher twice",
	    SRV("a", "\tpublic gopher port 70\n\tpublic gopher port 71\n"),
	    "t.conf:6: public gopher given twice" },
	{ "alias not a host name", SRV("a", "\talias \"a b\"\n"),
	    "t.conf:5: alias: \"a b\" is not a host name" },
	{ "alias unquoted", SRV("a", "\talias b.example\n"),
	    "t.conf:5: expected a quoted string, got b.example" },
	{ "too many aliases", SRV("a", "\talias \"a1\"\n\talias \"a2\"\n"
	    "\talias \"a3\"\n\talias \"a4\"\n\talias \"a5\"\n"
	    "\talias \"a6\"\n\talias \"a7\"\n\talias \"a8\"\n"
	    "\talias \"a9\"\n"),
	    "t.conf:13: alias: at most 8 per server" },
	{ "NUL byte", "prefork 2\n# a\0b\n", "t.conf:2: NUL byte in file" },
	{ "statement after brace",
	    SRV("a", "\tlisten gemini on 127.0.0.1\n") "prefork 2 }\n",
	    "t.conf:7: expected end of line, got }" },
	/* Dynamic locations (parsedyn.c, issue 12) and their limits. */
	{ "cgi maybe", LOC("\t\tcgi maybe\n"),
	    "t.conf:6: expected on or off, got maybe" },
	{ "cgi without a value", LOC("\t\tcgi\n"),
	    "t.conf:6: expected on or off, got end of line" },
	{ "cgi quoted", LOC("\t\tcgi \"on\"\n"),
	    "t.conf:6: expected on or off, got \"on\"" },
	{ "cgi twice", LOC("\t\tcgi on\n\t\tcgi off\n"),
	    "t.conf:7: cgi given twice" },
	{ "cgi in a server", SRV("a", "\tcgi on\n"),
	    "t.conf:5: unknown directive cgi" },
	{ "param in a server", SRV("a", "\tparam A \"x\"\n"),
	    "t.conf:5: unknown directive param" },
	{ "cgi, then fastcgi", LOC("\t\tcgi on\n"
	    "\t\tfastcgi socket \"/run/f.sock\"\n"),
	    "t.conf:7: a location has either cgi or fastcgi, not both" },
	{ "fastcgi, then cgi", LOC("\t\tfastcgi socket \"/run/f.sock\"\n"
	    "\t\tcgi on\n"),
	    "t.conf:7: a location has either cgi or fastcgi, not both" },
	{ "cgi, then fastcgi tcp", LOC("\t\tcgi on\n"
	    "\t\tfastcgi socket tcp \"127.0.0.1\"\n"),
	    "t.conf:7: a location has either cgi or fastcgi, not both" },
	{ "fastcgi tcp with a port, then cgi",
	    LOC("\t\tfastcgi socket tcp \"127.0.0.1\" port 9001\n"
	    "\t\tcgi on\n"),
	    "t.conf:7: a location has either cgi or fastcgi, not both" },
	{ "cgi, then a fastcgi block", LOC("\t\tcgi on\n\t\tfastcgi {\n"
	    "\t\t\tsocket \"/run/f.sock\"\n\t\t}\n"),
	    "t.conf:9: a location has either cgi or fastcgi, not both" },
	{ "fastcgi twice", LOC("\t\tfastcgi off\n"
	    "\t\tfastcgi socket \"/run/f.sock\"\n"),
	    "t.conf:7: fastcgi given twice" },
	{ "fastcgi on", LOC("\t\tfastcgi on\n"),
	    "t.conf:6: expected off, socket or {, got on" },
	{ "fastcgi alone", LOC("\t\tfastcgi\n"),
	    "t.conf:6: expected off, socket or {, got end of line" },
	{ "fastcgi socket relative", LOC("\t\tfastcgi socket \"run/f.sock\"\n"),
	    "t.conf:6: fastcgi socket: \"run/f.sock\" is not an absolute "
	    "path" },
	{ "fastcgi socket empty", LOC("\t\tfastcgi socket \"\"\n"),
	    "t.conf:6: fastcgi socket: \"\" is not an absolute path" },
	{ "fastcgi socket too long for sun_path",
	    LOC("\t\tfastcgi socket \"" PATH108 "\"\n"),
	    "t.conf:6: fastcgi socket: path too long for a socket" },
	{ "fastcgi socket of 1006 bytes",
	    LOC("\t\tfastcgi socket \"/" LONG201 LONG201 LONG201 LONG201
	    LONG201 "\"\n"),
	    "t.conf:6: fastcgi socket: path too long for a socket" },
	{ "fastcgi socket unquoted", LOC("\t\tfastcgi socket /run/f.sock\n"),
	    "t.conf:6: expected a quoted path or tcp, got /run/f.sock" },
	{ "fastcgi socket missing", LOC("\t\tfastcgi socket\n"),
	    "t.conf:6: expected a quoted path or tcp, got end of line" },
	{ "fastcgi socket udp", LOC("\t\tfastcgi socket udp \"h\"\n"),
	    "t.conf:6: expected a quoted path or tcp, got udp" },
	{ "fastcgi socket tcp, host unquoted",
	    LOC("\t\tfastcgi socket tcp localhost\n"),
	    "t.conf:6: expected a quoted string, got localhost" },
	{ "fastcgi socket tcp, host empty",
	    LOC("\t\tfastcgi socket tcp \"\"\n"),
	    "t.conf:6: fastcgi socket tcp: empty string" },
	{ "fastcgi socket tcp, host too long",
	    LOC("\t\tfastcgi socket tcp \"" LONG201 "xxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n"),
	    "t.conf:6: fastcgi socket tcp: too long (255 bytes at most)" },
	/* (a name with a space: refused without asking a name server) */
	{ "fastcgi socket tcp, host unresolvable",
	    LOC("\t\tfastcgi socket tcp \"no such host\"\n"),
	    "t.conf:6: fastcgi socket tcp \"no such host\": Name or service "
	    "not known" },
	{ "fastcgi socket tcp, host unresolvable, with a port",
	    LOC("\t\tfastcgi socket tcp \"no such host\" port 9001\n"),
	    "t.conf:6: fastcgi socket tcp \"no such host\": Name or service "
	    "not known" },
	{ "fastcgi socket tcp port 0",
	    LOC("\t\tfastcgi socket tcp \"127.0.0.1\" port 0\n"),
	    "t.conf:6: fastcgi socket tcp port: 0 is out of range (1 to "
	    "65535)" },
	{ "fastcgi socket tcp port 65536",
	    LOC("\t\tfastcgi socket tcp \"127.0.0.1\" port 65536\n"),
	    "t.conf:6: fastcgi socket tcp port: 65536 is out of range (1 to "
	    "65535)" },
	{ "fastcgi socket tcp port by name",
	    LOC("\t\tfastcgi socket tcp \"127.0.0.1\" port http\n"),
	    "t.conf:6: fastcgi socket tcp port: \"http\" is not a number" },
	{ "fastcgi socket tcp, a port without port",
	    LOC("\t\tfastcgi socket tcp \"127.0.0.1\" 9000\n"),
	    "t.conf:6: expected end of line, got 9000" },
	{ "fastcgi socket, then something",
	    LOC("\t\tfastcgi socket \"/a\" x\n"),
	    "t.conf:6: expected end of line, got x" },
	{ "fastcgi block without socket", LOC("\t\tfastcgi {\n"
	    "\t\t\tparam A \"b\"\n\t\t\tstrip 1\n\t\t}\n"),
	    "t.conf:9: fastcgi { }: no socket" },
	{ "fastcgi block empty", LOC("\t\tfastcgi { }\n"),
	    "t.conf:6: fastcgi { }: no socket" },
	{ "fastcgi block, a location directive in it", LOC("\t\tfastcgi {\n"
	    "\t\t\tsocket \"/a\"\n\t\t\tcgi on\n\t\t}\n"),
	    "t.conf:8: expected socket, param or strip, got cgi" },
	{ "fastcgi block, two sockets", LOC("\t\tfastcgi {\n"
	    "\t\t\tsocket \"/a\"\n\t\t\tsocket tcp \"127.0.0.1\"\n\t\t}\n"),
	    "t.conf:8: fastcgi socket given twice" },
	{ "fastcgi block, a relative socket", LOC("\t\tfastcgi {\n"
	    "\t\t\tsocket \"a.sock\"\n\t\t}\n"),
	    "t.conf:7: fastcgi socket: \"a.sock\" is not an absolute path" },
	{ "fastcgi block, strip 33", LOC("\t\tfastcgi {\n"
	    "\t\t\tsocket \"/a\"\n\t\t\tstrip 33\n\t\t}\n"),
	    "t.conf:8: fastcgi strip: 33 is out of range (0 to 32)" },
	{ "fastcgi block, strip -1", LOC("\t\tfastcgi {\n"
	    "\t\t\tsocket \"/a\"\n\t\t\tstrip -1\n\t\t}\n"),
	    "t.conf:8: fastcgi strip: \"-1\" is not a number" },
	{ "fastcgi block, strip twice", LOC("\t\tfastcgi {\n"
	    "\t\t\tsocket \"/a\"\n\t\t\tstrip 1\n\t\t\tstrip 2\n\t\t}\n"),
	    "t.conf:9: fastcgi strip given twice" },
	{ "fastcgi block, two statements on a line", LOC("\t\tfastcgi {\n"
	    "\t\t\tsocket \"/a\" strip 1\n\t\t}\n"),
	    "t.conf:7: expected end of line, got strip" },
	{ "fastcgi block, a bad param", LOC("\t\tfastcgi {\n"
	    "\t\t\tsocket \"/a\"\n\t\t\tparam 9 \"x\"\n\t\t}\n"),
	    "t.conf:8: param: \"9\" is not a variable name (letters, digits, "
	    "_; 63 bytes at most)" },
	{ "param name starts with a digit", LOC("\t\tparam 1A \"x\"\n"),
	    "t.conf:6: param: \"1A\" is not a variable name (letters, digits, "
	    "_; 63 bytes at most)" },
	{ "param name with a dash", LOC("\t\tparam A-B \"x\"\n"),
	    "t.conf:6: param: \"A-B\" is not a variable name (letters, digits, "
	    "_; 63 bytes at most)" },
	{ "param name of 64 bytes", LOC("\t\tparam " NAME64 " \"x\"\n"),
	    "t.conf:6: param: \"" NAME64 "\" is not a variable name (letters, "
	    "digits, _; 63 bytes at most)" },
	{ "param name ending in ==", LOC("\t\tparam A== \"x\"\n"),
	    "t.conf:6: param: \"A=\" is not a variable name (letters, digits, "
	    "_; 63 bytes at most)" },
	{ "param name quoted", LOC("\t\tparam \"A\" \"x\"\n"),
	    "t.conf:6: expected a variable name, got \"A\"" },
	{ "param without anything", LOC("\t\tparam\n"),
	    "t.conf:6: expected a variable name, got end of line" },
	{ "param without a value", LOC("\t\tparam A\n"),
	    "t.conf:6: expected a quoted value, got end of line" },
	{ "param with = and no value", LOC("\t\tparam A =\n"),
	    "t.conf:6: expected a quoted value, got end of line" },
	{ "param value unquoted", LOC("\t\tparam A x\n"),
	    "t.conf:6: expected a quoted value, got x" },
	{ "param = value unquoted", LOC("\t\tparam A = x\n"),
	    "t.conf:6: expected a quoted value, got x" },
	{ "param value not UTF-8", LOC("\t\tparam A \"a\xff\"\n"),
	    "t.conf:6: param A: the value must be UTF-8 of 1023 bytes at "
	    "most" },
	{ "param, then something", LOC("\t\tparam A \"x\" \"y\"\n"),
	    "t.conf:6: expected end of line, got \"y\"" },
	{ "param 33 times", LOC(PARAMS32 "\t\tparam P33 \"x\"\n"),
	    "t.conf:38: param: at most 32 per location" },
	{ "timeout cgi 0", "timeout cgi 0\n" MINIMAL,
	    "t.conf:1: timeout cgi: 0 is out of range (1 to 3600)" },
	{ "timeout cgi 3601", "timeout cgi 3601\n" MINIMAL,
	    "t.conf:1: timeout cgi: 3601 is out of range (1 to 3600)" },
	{ "timeout cgi twice", "timeout cgi 5\ntimeout cgi 6\n" MINIMAL,
	    "t.conf:2: timeout cgi given twice" },
	{ "timeout cgi in a server", SRV("a", "\ttimeout cgi 5\n"),
	    "t.conf:5: timeout is not allowed in a server block" },
	{ "max-scripts 0", "max-scripts 0\n" MINIMAL,
	    "t.conf:1: max-scripts: 0 is out of range (1 to 4096)" },
	{ "max-scripts 4097", "max-scripts 4097\n" MINIMAL,
	    "t.conf:1: max-scripts: 4097 is out of range (1 to 4096)" },
	{ "max-scripts many", "max-scripts many\n" MINIMAL,
	    "t.conf:1: max-scripts: \"many\" is not a number" },
	{ "max-scripts twice", "max-scripts 2\nmax-scripts 3\n" MINIMAL,
	    "t.conf:2: max-scripts given twice" },
	{ "max-scripts in a server", SRV("a", "\tmax-scripts 2\n"),
	    "t.conf:5: max-scripts is not allowed in a server block" },
};

/* A good configuration and what must come out of it. */
struct good_test {
	const char	*name;
	const char	*text;
	int		(*check)(const struct config *, char *, size_t);
};

static int
count_listeners(const struct config *conf, enum proto proto)
{
	struct listener	*l;
	int		 n = 0;

	TAILQ_FOREACH(l, &conf->listeners, entry)
		if (l->proto == proto)
			n++;
	return n;
}

static int
check_defaults(const struct config *conf, char *why, size_t len)
{
	struct server	*s = TAILQ_FIRST(&conf->servers);
	struct listener	*l = TAILQ_FIRST(&conf->listeners);

	if (conf->timeout_handshake != TIMEOUT_HANDSHAKE ||
	    conf->timeout_request != TIMEOUT_REQUEST ||
	    conf->timeout_response != TIMEOUT_RESPONSE ||
	    conf->max_connections != 0 ||
	    conf->inline_max != SNAPSHOT_INLINE_MAX ||
	    conf->snapshot_max != SNAPSHOT_MAX_DEFAULT)
		snprintf(why, len, "limits changed");
	else if (strcmp(conf->chroot, CHROOT_DEFAULT) != 0 ||
	    !conf->chroot_default || conf->user[0] != '\0')
		snprintf(why, len, "chroot %s user %s", conf->chroot,
		    conf->user);
	else if (conf->log_to != LOG_TO_SYSLOG ||
	    conf->access_to != ACCESS_DAEMON ||
	    conf->access_style != ACCESS_STYLE_CAPSULED)
		snprintf(why, len, "log %d access %d style %d", conf->log_to,
		    conf->access_to, conf->access_style);
	else if (strcmp(s->name, "example.org") != 0 ||
	    strcmp(s->root, "/srv/example.org") != 0 ||
	    strcmp(s->cert, "/etc/example.org.crt") != 0 ||
	    strcmp(s->key, "/etc/example.org.key") != 0 || s->lang[0] != '\0')
		snprintf(why, len, "server %s root %s", s->name, s->root);
	else if (l == NULL || TAILQ_NEXT(l, entry) != NULL ||
	    strcmp(l->name, "127.0.0.1:1965") != 0 || l->server != s ||
	    l->nservers != 1 || l->fd != -1)
		snprintf(why, len, "listener %s", l ? l->name : "none");
	else if (strcmp(conf->file, "t.conf") != 0)
		snprintf(why, len, "file %s", conf->file);
	else if (strcmp(conf->certdir, "/var/lib/capsuled/certs") != 0)
		snprintf(why, len, "cert-dir %s", conf->certdir);
	else
		return 1;
	return 0;
}

/* No cert and key: both stay empty for certgen.c; cert-dir is set. */
static int
check_certgen(const struct config *conf, char *why, size_t len)
{
	struct server	*s = TAILQ_FIRST(&conf->servers);

	if (strcmp(conf->certdir, "/srv/state dir/certs") != 0)
		snprintf(why, len, "cert-dir %s", conf->certdir);
	else if (s->cert[0] != '\0' || s->key[0] != '\0' ||
	    s->cert_pending)
		snprintf(why, len, "cert %s key %s", s->cert, s->key);
	else if (count_listeners(conf, PROTO_GEMINI) != 1)
		snprintf(why, len, "no gemini listener");
	else
		return 1;
	return 0;
}

static int
check_everything(const struct config *conf, char *why, size_t len)
{
	struct server	*s = TAILQ_FIRST(&conf->servers);

	if (conf->prefork != 3 || strcmp(conf->user, "nobody") != 0 ||
	    strcmp(conf->chroot, "/var/chroot dir") != 0 ||
	    conf->chroot_default)
		snprintf(why, len, "prefork %d user %s chroot %s",
		    conf->prefork, conf->user, conf->chroot);
	else if (conf->log_to != LOG_TO_FILE ||
	    strcmp(conf->log_file, "/var/log/capsuled.log") != 0 ||
	    conf->access_to != ACCESS_FILE ||
	    strcmp(conf->access_file, "/var/log/a \"b\"\\c") != 0)
		snprintf(why, len, "log %s access %s", conf->log_file,
		    conf->access_file);
	else if (conf->timeout_handshake != 1 ||
	    conf->timeout_request != 3600 || conf->timeout_response != 30)
		snprintf(why, len, "timeouts %d %d %d",
		    conf->timeout_handshake, conf->timeout_request,
		    conf->timeout_response);
	else if (conf->max_connections != 1000000 ||
	    conf->inline_max != 64 * 1024)
		snprintf(why, len, "max %d inline %zu",
		    conf->max_connections, conf->inline_max);
	else if (strcmp(s->lang, "en-GB,fr") != 0)
		snprintf(why, len, "lang %s", s->lang);
	else if (count_listeners(conf, PROTO_GEMINI) != 2 ||
	    count_listeners(conf, PROTO_GOPHER) != 1)
		snprintf(why, len, "listeners %d %d",
		    count_listeners(conf, PROTO_GEMINI),
		    count_listeners(conf, PROTO_GOPHER));
	else
		return 1;
	return 0;
}

/*
 * Port 0: one listener per protocol and address, shared by the Gemini
 * servers on it, one per server for Gopher, never an overlap; once
 * bound, its port is in its address and name.
 */
static int
check_any_port(const struct config *conf, char *why, size_t len)
{
	struct server		*a = TAILQ_FIRST(&conf->servers);
	struct server		*b = TAILQ_NEXT(a, entry);
	struct listener		*l;
	struct sockaddr_in	*sin;
	int			 n = 0, gopher_a = 0, gopher_b = 0, shared = 0;

	TAILQ_FOREACH(l, &conf->listeners, entry) {
		n++;
		if (l->port != 0 || strcmp(l->name + strlen(l->name) - 2,
		    ":0") != 0) {
			snprintf(why, len, "listener %s, port %d", l->name,
			    l->port);
			return 0;
		}
		if (l->proto == PROTO_GOPHER) {
			gopher_a += l->nservers == 1 && l->server == a;
			gopher_b += l->nservers == 1 && l->server == b;
		} else if (strcmp(l->name, "127.0.0.1:0") == 0)
			shared += l->nservers == 2 && l->servers[1] == b;
	}
	if (n != 5 || gopher_a != 1 || gopher_b != 1 || shared != 1) {
		snprintf(why, len, "%d listeners, gopher %d/%d, shared %d", n,
		    gopher_a, gopher_b, shared);
		return 0;
	}
	l = TAILQ_FIRST(&conf->listeners);
	config_listener_port(l, 40123);
	sin = (struct sockaddr_in *)&l->ss;
	if (strcmp(l->name, "127.0.0.1:40123") != 0 || l->port != 40123 ||
	    ntohs(sin->sin_port) != 40123 ||
	    ((struct sockaddr_in *)&l->cfg)->sin_port != 0) {
		snprintf(why, len, "bound: %s", l->name);
		return 0;
	}
	return 1;
}

static int
check_shared(const struct config *conf, char *why, size_t len)
{
	struct server	*a = TAILQ_FIRST(&conf->servers);
	struct server	*b = TAILQ_NEXT(a, entry);
	struct listener	*l;
	int		 gemini = 0;

	TAILQ_FOREACH(l, &conf->listeners, entry) {
		if (l->proto == PROTO_GOPHER) {
			if (l->nservers != 1 || l->server != (l->port == 70 ?
			    a : b)) {
				snprintf(why, len, "gopher %s", l->name);
				return 0;
			}
			continue;
		}
		gemini++;
		if (l->server != a || l->nservers != 2 ||
		    l->servers[0] != a || l->servers[1] != b) {
			snprintf(why, len, "gemini %s has %zu servers",
			    l->name, l->nservers);
			return 0;
		}
		if (config_listener_server(l, "B.example") != b ||
		    config_listener_server(l, "a.example") != a ||
		    config_listener_server(l, NULL) != a ||
		    config_listener_server(l, "other") != a) {
			snprintf(why, len, "SNI choice on %s", l->name);
			return 0;
		}
	}
	if (gemini != 1) {
		snprintf(why, len, "%d gemini listeners", gemini);
		return 0;
	}
	return 1;
}

static int
check_wildcard(const struct config *conf, char *why, size_t len)
{
	struct listener	*l;
	int		 v4 = 0, v6 = 0;

	TAILQ_FOREACH(l, &conf->listeners, entry) {
		if (l->ss.ss_family == AF_INET &&
		    strcmp(l->name, "0.0.0.0:70") == 0)
			v4++;
		if (l->ss.ss_family == AF_INET6 &&
		    strcmp(l->name, "[::]:70") == 0)
			v6++;
	}
	if (v4 != 1 || v6 != 1) {
		snprintf(why, len, "v4 %d v6 %d", v4, v6);
		return 0;
	}
	return 1;
}

static int
check_ipv6(const struct config *conf, char *why, size_t len)
{
	struct listener	*l = TAILQ_FIRST(&conf->listeners);

	if (strcmp(l->name, "[::1]:1965") != 0 ||
	    strcmp(TAILQ_NEXT(l, entry)->name, "[::1]:7070") != 0) {
		snprintf(why, len, "%s", l->name);
		return 0;
	}
	return 1;
}

static int
check_access_off(const struct config *conf, char *why, size_t len)
{
	if (conf->access_to != ACCESS_OFF || conf->log_to != LOG_TO_STDERR) {
		snprintf(why, len, "access %d log %d", conf->access_to,
		    conf->log_to);
		return 0;
	}
	return 1;
}

static int
check_feeds(const struct config *conf, char *why, size_t len)
{
	const struct server	*a = TAILQ_FIRST(&conf->servers);
	const struct server	*b = TAILQ_NEXT(a, entry);

	if (a->nlocs != 2 || a->locs[0].feeds != 1 || a->locs[1].feeds != -1) {
		snprintf(why, len, "locations %d, feeds %d", a->nlocs,
		    a->nlocs > 0 ? a->locs[0].feeds : -2);
		return 0;
	}
	if (a->feeds != 0 || a->feed_entries != 7 ||
	    strcmp(a->feed_title, "My \"log\"") != 0 || b == NULL ||
	    b->feeds != 1 || b->feed_entries != FEED_ENTRIES_DEFAULT ||
	    b->feed_title[0] != '\0') {
		snprintf(why, len, "feeds %d %d %s", a->feeds,
		    a->feed_entries, a->feed_title);
		return 0;
	}
	return 1;
}

static int
check_snapshot_max(const struct config *conf, char *why, size_t len)
{
	if (conf->snapshot_max != (size_t)512 * 1024 * 1024) {
		snprintf(why, len, "snapshot-max %zu", conf->snapshot_max);
		return 0;
	}
	return 1;
}

static int
check_snapshot_max_g(const struct config *conf, char *why, size_t len)
{
	if (conf->snapshot_max != (size_t)2 * 1024 * 1024 * 1024) {
		snprintf(why, len, "snapshot-max %zu", conf->snapshot_max);
		return 0;
	}
	return 1;
}

static int
check_style(const struct config *conf, char *why, size_t len)
{
	if (conf->access_style != ACCESS_STYLE_COMBINED ||
	    conf->log_to != LOG_TO_STDERR) {
		snprintf(why, len, "style %d log %d", conf->access_style,
		    conf->log_to);
		return 0;
	}
	return 1;
}

static int
check_style_common(const struct config *conf, char *why, size_t len)
{
	if (conf->access_style != ACCESS_STYLE_COMMON) {
		snprintf(why, len, "style %d", conf->access_style);
		return 0;
	}
	return 1;
}

static int
check_gopher_only(const struct config *conf, char *why, size_t len)
{
	struct server	*s = TAILQ_FIRST(&conf->servers);

	if (s->cert[0] != '\0' || count_listeners(conf, PROTO_GOPHER) != 1 ||
	    count_listeners(conf, PROTO_GEMINI) != 0 ||
	    TAILQ_FIRST(&conf->listeners)->port != 70) {
		snprintf(why, len, "cert %s", s->cert);
		return 0;
	}
	return 1;
}

static int
check_search(const struct config *conf, char *why, size_t len)
{
	struct server	*a = TAILQ_FIRST(&conf->servers);
	struct server	*b = TAILQ_NEXT(a, entry);
	struct server	*c = TAILQ_NEXT(b, entry);

	if (a->search_enabled != 0 || b->search_enabled != 1 ||
	    strcmp(b->search_prompt, "Find \"pages\"") != 0 ||
	    c->search_enabled != 1 ||
	    strcmp(c->search_prompt, SEARCH_PROMPT) != 0) {
		snprintf(why, len, "%d %d %s %d %s", a->search_enabled,
		    b->search_enabled, b->search_prompt, c->search_enabled,
		    c->search_prompt);
		return 0;
	}
	return 1;
}

static int
check_scaling(const struct config *conf, char *why, size_t len)
{
	struct server	*s = TAILQ_FIRST(&conf->servers);
	struct listener	*l;
	int		 flags[3] = { -1, -1, -1 }, n = 0;

	TAILQ_FOREACH(l, &conf->listeners, entry)
		if (n < 3)
			flags[n++] = l->flags;
	if (n != 3 || flags[0] != LISTEN_PROXY ||
	    flags[1] != (LISTEN_PROXY | LISTEN_TLS) || flags[2] != LISTEN_TLS ||
	    s->gemini_port != 1965 || s->gopher_port != 70 ||
	    s->naliases != 2 || strcmp(s->aliases[0], "www.example.org") != 0 ||
	    strcmp(s->aliases[1], "192.0.2.1") != 0) {
		snprintf(why, len, "%d listeners, flags %d %d %d, ports %d %d, "
		    "%d aliases", n, flags[0], flags[1], flags[2],
		    s->gemini_port, s->gopher_port, s->naliases);
		return 0;
	}
	return 1;
}

static int
check_tickets(const struct config *conf, char *why, size_t len)
{
	if (conf->ticket_lifetime != 3600) {
		snprintf(why, len, "lifetime %d", conf->ticket_lifetime);
		return 0;
	}
	return 1;
}

static int
check_no_tickets(const struct config *conf, char *why, size_t len)
{
	if (conf->ticket_lifetime != 0) {
		snprintf(why, len, "lifetime %d", conf->ticket_lifetime);
		return 0;
	}
	return 1;
}

/* The per-address limits: defaults, global values, a server's own. */
static int
check_quota_defaults(const struct config *conf, char *why, size_t len)
{
	const struct server	*s = TAILQ_FIRST(&conf->servers);

	if (conf->per_address != 32 || conf->rate_requests != 0 ||
	    conf->address_table != 65536 || conf->ipv6_prefix != 64 ||
	    s->per_address != -1 || s->rate_requests != -1) {
		snprintf(why, len, "cap %d rate %d table %d prefix %d, server "
		    "%d %d", conf->per_address, conf->rate_requests,
		    conf->address_table, conf->ipv6_prefix, s->per_address,
		    s->rate_requests);
		return 0;
	}
	return 1;
}

static int
check_quota(const struct config *conf, char *why, size_t len)
{
	const struct server	*a = TAILQ_FIRST(&conf->servers);
	const struct server	*b = TAILQ_NEXT(a, entry);

	if (conf->per_address != 0 || conf->rate_requests != 60 ||
	    conf->rate_seconds != 30 || conf->address_table != 2000 ||
	    conf->ipv6_prefix != 48 || a->per_address != 8 ||
	    a->rate_requests != 0 || b->per_address != -1 ||
	    b->rate_requests != 5 || b->rate_seconds != 1) {
		snprintf(why, len, "cap %d rate %d/%d table %d prefix %d, a "
		    "%d %d, b %d %d/%d", conf->per_address, conf->rate_requests,
		    conf->rate_seconds, conf->address_table, conf->ipv6_prefix,
		    a->per_address, a->rate_requests, b->per_address,
		    b->rate_requests, b->rate_seconds);
		return 0;
	}
	return 1;
}

/* The locations of check's config, each as written. */
static int
check_locations(const struct config *conf, char *why, size_t len)
{
	const struct server	*s = TAILQ_FIRST(&conf->servers);
	const struct location	*l = s->locs;

	if (s->nlocs != 5 || s->auto_index != 0 ||
	    strcmp(s->index_file, "main.gmi") != 0 ||
	    strcmp(s->default_type, "text/plain") != 0 || !s->wants_cert) {
		snprintf(why, len, "server settings: %d locations", s->nlocs);
		return 0;
	}
	if (strcmp(l[0].glob, "/old/*") != 0 || l[0].strip != 1 ||
	    l[0].block != 31 || strcmp(l[0].meta, "/new%p") != 0 ||
	    l[0].need_cert || l[0].line != 9) {
		snprintf(why, len, "location 1: %s %d %d %s line %d",
		    l[0].glob, l[0].strip, l[0].block, l[0].meta, l[0].line);
		return 0;
	}
	if (l[1].block != 52 || strcmp(l[1].meta, "gone") != 0) {
		snprintf(why, len, "location 2");
		return 0;
	}
	if (strcmp(l[2].ca_file, "/etc/ca.pem") != 0 || !l[2].need_cert ||
	    !l[2].has_lang || strcmp(l[2].lang, "fr") != 0 ||
	    l[2].auto_index != 1) {
		snprintf(why, len, "location 3");
		return 0;
	}
	if (l[3].nallow != 2 || !l[3].need_cert || strcmp(l[3].allow[0],
	    "SHA256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789") != 0) {
		snprintf(why, len, "location 4: %d, %s", l[3].nallow,
		    l[3].allow[0]);
		return 0;
	}
	if (l[4].block != 40 || strcmp(l[4].meta, "temporary failure") != 0 ||
	    l[4].auto_index != -1 || l[4].has_lang) {
		snprintf(why, len, "location 5");
		return 0;
	}
	return 1;
}

/*
 * gopher wrap: a: its own at the bounds' upper end, b: the file's (set
 * after both blocks), c: its own at the lower end.
 */
static int
check_wrap(const struct config *conf, char *why, size_t len)
{
	const struct server	*a = TAILQ_FIRST(&conf->servers);
	const struct server	*b = TAILQ_NEXT(a, entry);
	const struct server	*c = TAILQ_NEXT(b, entry);

	if (conf->gopher_wrap != 40 || a->gopher_wrap != GOPHER_WRAP_MAX ||
	    b->gopher_wrap != 40 || c->gopher_wrap != GOPHER_WRAP_MIN) {
		snprintf(why, len, "file %d, a %d, b %d, c %d",
		    conf->gopher_wrap, a->gopher_wrap, b->gopher_wrap,
		    c->gopher_wrap);
		return 0;
	}
	return 1;
}

/* Dynamic locations (issue 12) ------------------------------------- */

/* Nothing dynamic: the defaults of timeout cgi and max-scripts. */
static int
check_dyn_defaults(const struct config *conf, char *why, size_t len)
{
	const struct server	*s = TAILQ_FIRST(&conf->servers);

	if (conf->timeout_cgi != TIMEOUT_CGI || conf->timeout_cgi != 10 ||
	    conf->max_scripts != SCRIPTS_MAX_DEFAULT ||
	    conf->max_scripts < 32 || conf->dynamic || s->dynamic)
		snprintf(why, len, "timeout cgi %d, max-scripts %d, dynamic "
		    "%d/%d", conf->timeout_cgi, conf->max_scripts,
		    conf->dynamic, s->dynamic);
	else
		return 1;
	return 0;
}

static int
check_dyn_limits_low(const struct config *conf, char *why, size_t len)
{
	if (conf->timeout_cgi != 1 || conf->max_scripts != 1)
		snprintf(why, len, "timeout cgi %d, max-scripts %d",
		    conf->timeout_cgi, conf->max_scripts);
	else
		return 1;
	return 0;
}

static int
check_dyn_limits_high(const struct config *conf, char *why, size_t len)
{
	if (conf->timeout_cgi != 3600 || conf->max_scripts != 4096 ||
	    conf->timeout_request != TIMEOUT_REQUEST)
		snprintf(why, len, "timeout cgi %d, max-scripts %d",
		    conf->timeout_cgi, conf->max_scripts);
	else
		return 1;
	return 0;
}

/*
 * Server a: cgi on in its first location, off in its second; server b
 * has nothing dynamic.  Only a is dynamic, and asks for certificates.
 */
static int
check_cgi(const struct config *conf, char *why, size_t len)
{
	const struct server	*a = TAILQ_FIRST(&conf->servers);
	const struct server	*b = TAILQ_NEXT(a, entry);
	const struct location	*l = a->locs;

	if (a->nlocs != 2 || l[0].cgi != 1 ||
	    l[0].fastcgi != LOCATION_FASTCGI_NONE || l[1].cgi != 0 ||
	    l[0].fcgi_strip != -1 || l[0].nparams != 0)
		snprintf(why, len, "locations: %d, cgi %d %d", a->nlocs,
		    l[0].cgi, a->nlocs > 1 ? l[1].cgi : -1);
	else if (!conf->dynamic || !a->dynamic || b->dynamic)
		snprintf(why, len, "dynamic: conf %d, a %d, b %d",
		    conf->dynamic, a->dynamic, b->dynamic);
	else if (!a->wants_cert || b->wants_cert)
		snprintf(why, len, "wants_cert: a %d, b %d", a->wants_cert,
		    b->wants_cert);
	else
		return 1;
	return 0;
}

/* cgi off and fastcgi off: nothing dynamic anywhere. */
static int
check_dyn_off(const struct config *conf, char *why, size_t len)
{
	const struct server	*s = TAILQ_FIRST(&conf->servers);

	if (s->nlocs != 1 || s->locs[0].cgi ||
	    s->locs[0].fastcgi != LOCATION_FASTCGI_NONE || conf->dynamic ||
	    s->dynamic || s->wants_cert)
		snprintf(why, len, "cgi %d fastcgi %d dynamic %d/%d",
		    s->locs[0].cgi, s->locs[0].fastcgi, conf->dynamic,
		    s->dynamic);
	else
		return 1;
	return 0;
}

static int
check_fcgi_unix(const struct config *conf, char *why, size_t len)
{
	const struct server	*s = TAILQ_FIRST(&conf->servers);
	const struct location	*l = &s->locs[0];

	if (l->fastcgi != LOCATION_FASTCGI_UNIX || l->cgi ||
	    strcmp(l->fcgi_socket, "/run/fcgiwrap.socket") != 0 ||
	    l->fcgi_strip != -1 || l->nparams != 0)
		snprintf(why, len, "fastcgi %d socket %s strip %d",
		    l->fastcgi, l->fcgi_socket, l->fcgi_strip);
	else if (!conf->dynamic || !s->dynamic)
		snprintf(why, len, "dynamic %d/%d", conf->dynamic, s->dynamic);
	else
		return 1;
	return 0;
}

static int
check_fcgi_unix107(const struct config *conf, char *why, size_t len)
{
	const struct location	*l = &TAILQ_FIRST(&conf->servers)->locs[0];

	if (l->fastcgi != LOCATION_FASTCGI_UNIX ||
	    strcmp(l->fcgi_socket, PATH107) != 0 || strlen(PATH107) != 107)
		snprintf(why, len, "fastcgi %d, %zu bytes", l->fastcgi,
		    strlen(l->fcgi_socket));
	else
		return 1;
	return 0;
}

/* The responder's address, resolved when the file is read. */
static int
fcgi_addr_is(const struct location *l, int family, int port, char *why,
    size_t len)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	if (l->fastcgi != LOCATION_FASTCGI_TCP || l->fcgi_port != port) {
		snprintf(why, len, "fastcgi %d port %d", l->fastcgi,
		    l->fcgi_port);
		return 0;
	}
	if (family == AF_INET) {
		sin = (const struct sockaddr_in *)&l->fcgi_addr;
		if (sin->sin_family == AF_INET &&
		    l->fcgi_addrlen == sizeof(*sin) &&
		    ntohs(sin->sin_port) == port &&
		    ntohl(sin->sin_addr.s_addr) == INADDR_LOOPBACK)
			return 1;
	} else {
		sin6 = (const struct sockaddr_in6 *)&l->fcgi_addr;
		if (sin6->sin6_family == AF_INET6 &&
		    l->fcgi_addrlen == sizeof(*sin6) &&
		    ntohs(sin6->sin6_port) == port &&
		    IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			return 1;
	}
	snprintf(why, len, "address: family %d, length %u",
	    l->fcgi_addr.ss_family, (unsigned)l->fcgi_addrlen);
	return 0;
}

static int
check_fcgi_tcp(const struct config *conf, char *why, size_t len)
{
	const struct server	*s = TAILQ_FIRST(&conf->servers);

	if (!fcgi_addr_is(&s->locs[0], AF_INET, FASTCGI_PORT_DEFAULT, why,
	    len))
		return 0;
	if (FASTCGI_PORT_DEFAULT != 9000 ||
	    strcmp(s->locs[0].fcgi_socket, "127.0.0.1") != 0 ||
	    !s->dynamic || !conf->dynamic) {
		snprintf(why, len, "host %s", s->locs[0].fcgi_socket);
		return 0;
	}
	return 1;
}

/* Without gopher wrap, every server wraps at GOPHER_WRAP_DEFAULT. */
static int
check_wrap_default(const struct config *conf, char *why, size_t len)
{
	const struct server	*s;

	if (conf->gopher_wrap != GOPHER_WRAP_DEFAULT || GOPHER_WRAP_DEFAULT !=
	    29) {
		snprintf(why, len, "file %d", conf->gopher_wrap);
		return 0;
	}
	TAILQ_FOREACH(s, &conf->servers, entry)
		if (s->gopher_wrap != GOPHER_WRAP_DEFAULT) {
			snprintf(why, len, "%s %d", s->name, s->gopher_wrap);
			return 0;
		}
	return 1;
}

static int
check_fcgi_tcp6(const struct config *conf, char *why, size_t len)
{
	return fcgi_addr_is(&TAILQ_FIRST(&conf->servers)->locs[0], AF_INET6,
	    9001, why, len);
}

/*
 * fastcgi { socket tcp ... port 9002, param, strip 1 } over lines, then
 * a block on one line, whose socket is ended by the brace, and a
 * location's own strip (not the responder's).
 */
static int
check_fcgi_block(const struct config *conf, char *why, size_t len)
{
	const struct server	*s = TAILQ_FIRST(&conf->servers);
	const struct location	*l = s->locs;

	if (s->nlocs != 2 || !fcgi_addr_is(&l[0], AF_INET, 9002, why, len))
		return 0;
	if (l[0].nparams != 2 ||
	    strcmp(l[0].params[0].name, "SCRIPT_FILENAME") != 0 ||
	    strcmp(l[0].params[0].value, "/srv/app.fcgi") != 0 ||
	    strcmp(l[0].params[1].name, "MODE") != 0 ||
	    strcmp(l[0].params[1].value, "x y") != 0 || l[0].fcgi_strip != 1)
		snprintf(why, len, "params %d, strip %d", l[0].nparams,
		    l[0].fcgi_strip);
	else if (!fcgi_addr_is(&l[1], AF_INET, 9000, why, len))
		return 0;
	else if (l[1].nparams != 0 || l[1].fcgi_strip != -1 || l[1].strip != 1)
		snprintf(why, len, "one-line block: params %d, strip %d/%d",
		    l[1].nparams, l[1].fcgi_strip, l[1].strip);
	else
		return 1;
	return 0;
}

/* Every spelling of param, outside and inside a fastcgi block. */
static int
check_params(const struct config *conf, char *why, size_t len)
{
	static const char *const want[][2] = {
		{ "A", "1" }, { "B", "2" }, { "C", "3" }, { "D", "4" },
		{ "lower_9", "caf\xc3\xa9" }, { "_E", "" },
		{ "PATH", "/opt/bin:/bin" }, { "F", "in the block" },
	};
	const struct location	*l = &TAILQ_FIRST(&conf->servers)->locs[0];
	size_t			 i;

	if (l->nparams != (int)(sizeof(want) / sizeof(want[0])) || !l->cgi) {
		snprintf(why, len, "%d params, cgi %d", l->nparams, l->cgi);
		return 0;
	}
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strcmp(l->params[i].name, want[i][0]) != 0 ||
		    strcmp(l->params[i].value, want[i][1]) != 0) {
			snprintf(why, len, "param %zu: %s=%s", i,
			    l->params[i].name, l->params[i].value);
			return 0;
		}
	l = &TAILQ_FIRST(&conf->servers)->locs[1];
	if (l->nparams != 1 || strcmp(l->params[0].name, "F") != 0 ||
	    l->fastcgi != LOCATION_FASTCGI_UNIX) {
		snprintf(why, len, "block: %d params", l->nparams);
		return 0;
	}
	return 1;
}

static int
check_params32(const struct config *conf, char *why, size_t len)
{
	const struct location	*l = &TAILQ_FIRST(&conf->servers)->locs[0];

	if (l->nparams != LOCATION_PARAMS_MAX || l->nparams != 32 ||
	    strcmp(l->params[0].name, "P00") != 0 ||
	    strcmp(l->params[14].name, "P14") != 0 ||
	    strcmp(l->params[14].value, "v14") != 0 ||
	    strcmp(l->params[16].name, "P16") != 0 ||
	    strcmp(l->params[16].value, "v16") != 0 ||
	    strcmp(l->params[31].name, "P32") != 0 ||
	    strcmp(l->params[31].value, "v32") != 0)
		snprintf(why, len, "%d params, the last %s", l->nparams,
		    l->nparams > 0 ? l->params[l->nparams - 1].name : "none");
	else
		return 1;
	return 0;
}

static const struct good_test good_tests[] = {
	{ "gopher wrap: per server, the file's after the blocks, bounds",
	    SRV("a", "\tgopher wrap 67\n\tlisten gopher on 127.0.0.1 port 70\n")
	    SRV("b", "\tlisten gopher on 127.0.0.1 port 71\n")
	    SRV("c", "\tgopher wrap 20\n\tlisten gopher on 127.0.0.1 port 72\n")
	    "gopher wrap 40\n", check_wrap },
	{ "gopher wrap: the default", SRV("a", "\tlisten gopher on "
	    "127.0.0.1 port 70\n") SRV("b", "\tlisten gopher on 127.0.0.1 "
	    "port 71\n"), check_wrap_default },
	{ "per-address limits: the defaults", MINIMAL, check_quota_defaults },
	{ "per-address limits: global, and each server's own",
	    "max-connections-per-address off\nrate-limit 60 30\n"
	    "address-table 2000\nipv6-prefix 48\n"
	    SRV("a", "\tmax-connections-per-address 8\n\trate-limit off\n"
	    "\tlisten gemini on 127.0.0.1 port 1965\n")
	    SRV("b", "\trate-limit 5 1\n"
	    "\tlisten gemini on 127.0.0.1 port 1966\n"), check_quota },
	{ "session-tickets 3600", "session-tickets 3600\n" MINIMAL,
	    check_tickets },
	{ "session-tickets off", "session-tickets off\n" MINIMAL,
	    check_no_tickets },
	{ "proxy-protocol, tls, public ports, aliases",
	    SRV("example.org",
	    "\tlisten gemini on 127.0.0.1 port 11965 proxy-protocol\n"
	    "\tlisten gopher on 127.0.0.1 port 7070 proxy-protocol tls\n"
	    "\tlisten gopher on 127.0.0.1 port 7071 tls\n"
	    "\tpublic gemini port 1965\n\tpublic gopher port 70\n"
	    "\talias \"www.example.org\"\n\talias \"192.0.2.1\"\n"),
	    check_scaling },
	{ "minimal: defaults", MINIMAL, check_defaults },
	{ "gemini without cert and key: made in cert-dir",
	    "server \"a\" {\n\troot \"/r\"\n"
	    "\tlisten gemini on 127.0.0.1\n}\n"
	    "cert-dir \"/srv/state dir/certs\"\n", check_certgen },
	{ "comments, blank lines, CRLF",
	    "# capsuled.conf\r\n\r\n   # indented comment\n"
	    "server \"example.org\" {  # trailing comment\r\n"
	    "\troot \"/srv/example.org\"\n\n"
	    "\tcert \"/etc/example.org.crt\"\t# x\n"
	    "\tkey \"/etc/example.org.key\"\n"
	    "\tlisten gemini on \"127.0.0.1\" port 1965 }\n"
	    "# no newline at the end", check_defaults },
	{ "every directive",
	    "prefork 3\nuser \"nobody\"\nchroot \"/var/chroot dir\"\n"
	    "log \"/var/log/capsuled.log\"\n"
	    "access-log \"/var/log/a \\\"b\\\"\\\\c\"\n"
	    "timeout handshake 1\ntimeout request 3600\n"
	    "timeout response 30\nmax-connections 1000000\n"
	    "inline-max 64K\n"
	    SRV("example.org", "\tlang \"en-GB,fr\"\n"
	    "\tlisten gemini on 127.0.0.1 port 1965\n"
	    "\tlisten gemini on ::1 port 1965\n"
	    "\tlisten gopher on 127.0.0.1 port 70\n"), check_everything },
	{ "two servers share a gemini address",
	    SRV("a.example", "\tlisten gemini on 127.0.0.1 port 1965\n"
	    "\tlisten gopher on 127.0.0.1 port 70\n")
	    SRV("b.example", "\tlisten gemini on 127.0.0.1 port 1965\n"
	    "\tlisten gopher on 127.0.0.1 port 71\n"), check_shared },
	{ "port 0: per protocol and address; Gopher per server",
	    SRV("a", "\tlisten gemini on 127.0.0.1 port 0\n"
	    "\tlisten gopher on 127.0.0.1 port 0\n"
	    "\tlisten gemini on 127.0.0.1 port 0\n"
	    "\tlisten gemini on * port 0\n")
	    SRV("b", "\tlisten gemini on 127.0.0.1 port 0\n"
	    "\tlisten gopher on 127.0.0.1 port 0\n"), check_any_port },
	{ "* is every address, v4 and v6",
	    "server \"a\" {\n\troot \"/r\"\n\tlisten gopher on * port 70\n}\n",
	    check_wildcard },
	{ "no address is every address",
	    "server \"a\" {\n\troot \"/r\"\n\tlisten gopher port 70\n}\n",
	    check_wildcard },
	{ "IPv6 with and without brackets",
	    SRV("a", "\tlisten gemini on [::1] port 1965\n"
	    "\tlisten gopher on ::1 port 7070\n"), check_ipv6 },
	{ "access-log off, log stderr",
	    "access-log off\nlog stderr\n" MINIMAL, check_access_off },
	{ "log style combined beside log stderr",
	    "log style combined\nlog stderr\n" MINIMAL, check_style },
	{ "log style common", "log style common\n" MINIMAL,
	    check_style_common },
	{ "snapshot-max 512M", "snapshot-max 512M\n" MINIMAL,
	    check_snapshot_max },
	{ "feeds off, feed-entries, feed-title; the defaults",
	    SRV("a", "\tfeeds off\n\tfeed-entries 7\n"
	    "\tfeed-title \"My \\\"log\\\"\"\n"
	    "\tlisten gopher on 127.0.0.1 port 70\n"
	    "\tlocation \"/log/*\" { feeds on }\n"
	    "\tlocation \"/x/*\" { lang \"fr\" }\n")
	    SRV("b", "\tlisten gopher on 127.0.0.1 port 71\n"), check_feeds },
	{ "snapshot-max 2G", "snapshot-max 2G\n" MINIMAL,
	    check_snapshot_max_g },
	{ "search off, a prompt, the default",
	    SRV("a", "\tsearch off\n\tlisten gopher on 127.0.0.1 port 70\n")
	    SRV("b", "\tsearch \"Find \\\"pages\\\"\"\n"
	    "\tlisten gopher on 127.0.0.1 port 71\n")
	    SRV("c", "\tlisten gopher on 127.0.0.1 port 72\n"), check_search },
	{ "locations: each directive, in the file's order",
	    SRV("a", "\tlisten gemini on 127.0.0.1 port 1965\n"
	    "\tauto index off\n\tindex \"main.gmi\"\n"
	    "\tdefault type \"text/plain\"\n"
	    "\tlocation \"/old/*\" {\n\t\tstrip 1\n"
	    "\t\tblock return 31 \"/new%p\"\n\t}\n"
	    "\tlocation \"/gone.gmi\" { block return 52 \"gone\" }\n"
	    "\tlocation \"/m/*\" {\n\t\trequire client ca \"/etc/ca.pem\"\n"
	    "\t\tlang \"fr\"\n\t\tauto index on\n\t}\n"
	    "\tlocation \"/p/*\" {\n\t\tallow client \"SHA256:"
	    "ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789\"\n"
	    "\t\tallow client \"SHA256:"
	    "0000000000000000000000000000000000000000000000000000000000000000\"\n"
	    "\t}\n\tlocation \"*\" {\n\t\tblock\n\t}\n"),
	    check_locations },
	{ "gopher only needs no cert; default port 70",
	    "server \"a\" {\n\troot \"/r\"\n\tlisten gopher on 127.0.0.1\n}\n",
	    check_gopher_only },
	{ "dynamic: defaults", MINIMAL, check_dyn_defaults },
	{ "timeout cgi 1, max-scripts 1",
	    "timeout cgi 1\nmax-scripts 1\n" MINIMAL, check_dyn_limits_low },
	{ "timeout cgi 3600, max-scripts 4096",
	    "max-scripts 4096\ntimeout cgi 3600\n" MINIMAL,
	    check_dyn_limits_high },
	{ "cgi on in one location of one server",
	    SRV("a", "\tlisten gemini on 127.0.0.1 port 1965\n"
	    "\tlocation \"/cgi/*\" {\n\t\tcgi on\n\t}\n"
	    "\tlocation \"/off/*\" { cgi off }\n")
	    SRV("b", "\tlisten gemini on 127.0.0.1 port 1965\n"
	    "\tlocation \"/x/*\" { strip 1 }\n"), check_cgi },
	{ "cgi off, fastcgi off",
	    SRV("a", "\tlisten gemini on 127.0.0.1 port 1965\n"
	    "\tlocation \"/x/*\" {\n\t\tcgi off\n\t\tfastcgi off\n\t}\n"),
	    check_dyn_off },
	{ "fastcgi socket on a path",
	    SRV("a", "\tlisten gemini on 127.0.0.1 port 1965\n"
	    "\tlocation \"/f/*\" {\n"
	    "\t\tfastcgi socket \"/run/fcgiwrap.socket\"\n\t}\n"),
	    check_fcgi_unix },
	{ "fastcgi socket of 107 bytes",
	    SRV("a", "\tlisten gemini on 127.0.0.1 port 1965\n"
	    "\tlocation \"/f/*\" {\n"
	    "\t\tfastcgi socket \"" PATH107 "\"\n\t}\n"), check_fcgi_unix107 },
	{ "fastcgi socket tcp: port 9000 without port",
	    SRV("a", "\tlisten gemini on 127.0.0.1 port 1965\n"
	    "\tlocation \"/f/*\" {\n"
	    "\t\tfastcgi socket tcp \"127.0.0.1\"\n\t}\n"), check_fcgi_tcp },
	{ "fastcgi socket tcp ::1 port 9001",
	    SRV("a", "\tlisten gemini on 127.0.0.1 port 1965\n"
	    "\tlocation \"/f/*\" {\n"
	    "\t\tfastcgi socket tcp \"::1\" port 9001\n\t}\n"),
	    check_fcgi_tcp6 },
	{ "fastcgi { socket; param; strip }, and on one line",
	    SRV("a", "\tlisten gemini on 127.0.0.1 port 1965\n"
	    "\tlocation \"/f/*\" {\n\t\tfastcgi {\n\n"
	    "\t\t\tsocket tcp \"127.0.0.1\" port 9002\n"
	    "\t\t\tparam SCRIPT_FILENAME \"/srv/app.fcgi\"\n"
	    "\t\t\tstrip 1\n\t\t\tparam MODE = \"x y\"\n\t\t}\n\t}\n"
	    "\tlocation \"/g/*\" {\n"
	    "\t\tfastcgi { socket tcp \"127.0.0.1\" }\n"
	    "\t\tstrip 1\n\t}\n"), check_fcgi_block },
	{ "param NAME \"V\", NAME = \"V\", NAME= \"V\", NAME=\"V\"",
	    SRV("a", "\tlisten gemini on 127.0.0.1 port 1965\n"
	    "\tlocation \"/cgi/*\" {\n\t\tcgi on\n"
	    "\t\tparam A \"1\"\n\t\tparam B = \"2\"\n"
	    "\t\tparam C= \"3\"\n\t\tparam D=\"4\"\n"
	    "\t\tparam lower_9 \"caf\xc3\xa9\"\n\t\tparam _E \"\"\n"
	    "\t\tparam PATH \"/opt/bin:/bin\"\n"
	    "\t\tparam F \"in the block\"\n\t}\n"
	    "\tlocation \"/f/*\" {\n"
	    "\t\tfastcgi {\n\t\t\tparam F \"x\"\n\t\t\tsocket \"/a\"\n"
	    "\t\t}\n\t}\n"), check_params },
	{ "param 32 times",
	    SRV("a", "\tlisten gemini on 127.0.0.1 port 1965\n"
	    "\tlocation \"/cgi/*\" {\n" PARAMS32 "\t}\n"), check_params32 },
};

static void
run_bad(const struct bad_test *t)
{
	struct config	*conf = config_new();
	const char	*err = NULL;
	int		 rc;
	size_t		 len = strlen(t->text);

	/* The NUL test needs its bytes after the NUL too. */
	if (strcmp(t->name, "NUL byte") == 0)
		len = sizeof("prefork 2\n# a\0b\n") - 1;
	char		 name[128];

	rc = parse_buffer(conf, "t.conf", t->text, len, &err);
	if (rc != -1 || err == NULL)
		err = "success";
	snprintf(name, sizeof(name), "bad: %s", t->name);
	UNIT_STR_EQ(name, err, strlen(err), t->err);
	config_free(conf);
}

static void
run_good(const struct good_test *t)
{
	struct config	*conf = config_new();
	const char	*err = NULL;
	char		 why[256] = "";
	int		 ok;

	ok = parse_buffer(conf, "t.conf", t->text, strlen(t->text),
	    &err) == 0;
	if (!ok)
		snprintf(why, sizeof(why), "%s", err);
	else
		ok = t->check(conf, why, sizeof(why));
	UNIT_CHECK(ok, "good: %s", t->name);
	if (!ok)
		printf("#   %s\n", why);
	config_free(conf);
}

/* parse_file: what reading the file itself can go wrong with. */
static void
test_files(void)
{
	char		 dir[] = "/tmp/test_parse.XXXXXX", path[64], want[128];
	struct config	*conf;
	const char	*err = NULL;
	FILE		*fp;
	size_t		 i, extra;
	int		 rc;

	if (mkdtemp(dir) == NULL) {
		UNIT_CHECK(0, "file: temporary directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	conf = config_new();
	rc = parse_file(conf, path, &err);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	UNIT_CHECK(rc == -1 && strcmp(err, want) == 0, "file: missing file "
	    "is named with the reason");
	config_free(conf);

	conf = config_new();
	rc = parse_file(conf, dir, &err);
	snprintf(want, sizeof(want), "%s: not a regular file", dir);
	UNIT_CHECK(rc == -1 && strcmp(err, want) == 0, "file: a directory "
	    "is refused");
	config_free(conf);

	snprintf(path, sizeof(path), "%s/ok.conf", dir);
	if ((fp = fopen(path, "w")) != NULL) {
		fputs("prefork 1\n" MINIMAL "bogus\n", fp);
		fclose(fp);
	}
	conf = config_new();
	rc = parse_file(conf, path, &err);
	snprintf(want, sizeof(want), "%s:8: unknown directive bogus", path);
	UNIT_CHECK(rc == -1 && strcmp(err, want) == 0, "file: errors carry "
	    "the path and line");
	if (rc != -1 || strcmp(err, want) != 0)
		printf("#   got: %s\n", rc == -1 ? err : "success");
	config_free(conf);
	unlink(path);

	/* CONF_SIZE_MAX: a file of exactly that size is read, not one more. */
	snprintf(path, sizeof(path), "%s/big.conf", dir);
	for (extra = 0; extra <= 1; extra++) {
		if ((fp = fopen(path, "w")) == NULL)
			break;
		fputs(MINIMAL, fp);
		for (i = strlen(MINIMAL); i < CONF_SIZE_MAX - 1 + extra; i++)
			fputc(i % 64 == 0 ? '\n' : '#', fp);
		fputc('\n', fp);
		fclose(fp);
		conf = config_new();
		rc = parse_file(conf, path, &err);
		snprintf(want, sizeof(want), "%s: larger than %d bytes", path,
		    CONF_SIZE_MAX);
		UNIT_CHECK(extra ? rc == -1 && strcmp(err, want) == 0 :
		    rc == 0 && TAILQ_FIRST(&conf->servers) != NULL,
		    "file: %d bytes (CONF_SIZE_MAX %s) %s", CONF_SIZE_MAX +
		    (int)extra, extra ? "+ 1" : "exactly",
		    extra ? "are refused" : "are read");
		if (rc == -1 && !extra)
			printf("#   got: %s\n", err);
		config_free(conf);
	}
	unlink(path);
	rmdir(dir);
}

/* CONF_TOKEN_MAX (1023) bytes in a word or a string, not one more. */
static void
test_tokens(void)
{
	static char	 text[CONF_TOKEN_MAX + 256], want[CONF_TOKEN_MAX + 64];
	struct config	*conf;
	const char	*err = NULL;
	size_t		 len;
	int		 rc;

	for (len = CONF_TOKEN_MAX; len <= CONF_TOKEN_MAX + 1; len++) {
		/* A string: as a root, any length up to the limit will do. */
		snprintf(text, sizeof(text), "server \"a\" {\n\troot \"/%0*d\"\n"
		    "\tlisten gopher on 127.0.0.1 port 70\n}\n",
		    (int)len - 1, 0);
		conf = config_new();
		rc = parse_buffer(conf, "t.conf", text, strlen(text), &err);
		UNIT_CHECK(len == CONF_TOKEN_MAX ? rc == 0 &&
		    strlen(TAILQ_FIRST(&conf->servers)->root) == len :
		    rc == -1 && strcmp(err, "t.conf:2: string too long (1023 "
		    "bytes at most)") == 0,
		    "token: a string of %zu bytes is %s", len,
		    len == CONF_TOKEN_MAX ? "read whole" : "too long");
		if (rc == -1 && len == CONF_TOKEN_MAX)
			printf("#   got: %s\n", err);
		config_free(conf);

		/* A word: read whole, it is an unknown directive. */
		memset(text, 'w', len);
		text[len] = '\n';
		conf = config_new();
		rc = parse_buffer(conf, "t.conf", text, len + 1, &err);
		snprintf(want, sizeof(want), "t.conf:1: unknown directive %.*s",
		    (int)len, text);
		UNIT_CHECK(rc == -1 && strcmp(err, len == CONF_TOKEN_MAX ? want :
		    "t.conf:1: word too long") == 0,
		    "token: a word of %zu bytes is %s", len,
		    len == CONF_TOKEN_MAX ? "read whole" : "too long");
		config_free(conf);
	}
}

int
main(void)
{
	size_t	i;

	/* One check per table row, test_files' five, test_tokens' four. */
	UNIT_PLAN((int)(sizeof(bad_tests) / sizeof(bad_tests[0]) +
	    sizeof(good_tests) / sizeof(good_tests[0])) + 5 + 4);
	for (i = 0; i < sizeof(bad_tests) / sizeof(bad_tests[0]); i++)
		run_bad(&bad_tests[i]);
	for (i = 0; i < sizeof(good_tests) / sizeof(good_tests[0]); i++)
		run_good(&good_tests[i]);
	test_files();
	test_tokens();
	UNIT_DONE();
}
