#!/bin/sh
# guestbook.sh: a guestbook for capsuled, one sh script for Gemini and
# Gopher alike (capsuled renders its gemtext as a Gopher menu, its input
# prompt as a search item).  Run it from a location with cgi on, or
# through a FastCGI wrapper such as fcgiwrap, and name the file that
# keeps the messages, in a directory capsuled's user may write:
#
#	location "/guestbook/*" {
#		cgi on
#		param GUESTBOOK "/var/lib/guestbook/messages"
#	}
#
# /guestbook/guestbook.sh shows the messages, newest first;
# /guestbook/guestbook.sh/sign asks for one (10), stores it and sends the
# reader back (30).  A message is one line of at most GUESTBOOK_MAX bytes
# of UTF-8 without control characters, shown as a list item, so that no
# reader can add links or headings to the page.

book=${GUESTBOOK:?no GUESTBOOK: give it with a param line}
max=${GUESTBOOK_MAX:-300}
shown=${GUESTBOOK_SHOWN:-100}

case ${PATH_INFO:-} in
/sign)
	if [ -z "${QUERY_STRING:-}" ]; then
		printf '10 Your message for the guestbook\r\n'
		exit 0
	fi
	msg=$(printf '%s' "$GEMINI_SEARCH_STRING" | tr -d '\000-\037\177' |
	    head -c "$max" | iconv -c -f UTF-8 -t UTF-8)
	if [ -n "$msg" ]; then
		printf '%s %s\n' "$(date -u '+%Y-%m-%d')" "$msg" >>"$book" || {
			printf '40 The guestbook cannot be written\r\n'
			exit 0
		}
	fi
	printf '30 %s\r\n' "$SCRIPT_NAME"
	;;
*)
	printf '20 text/gemini\r\n'
	printf '# Guestbook\n\n=> %s/sign Sign the guestbook\n\n' \
	    "$SCRIPT_NAME"
	if [ -s "$book" ]; then
		tac "$book" | head -n "$shown" | sed 's/^/* /'
	else
		echo 'No messages yet.'
	fi
	;;
esac
