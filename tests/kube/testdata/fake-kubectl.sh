#!/bin/sh
# A stand-in for kubectl in KubectlTransport unit tests: answers by the request path in its arguments.
case "$*" in
  *config\ view*) printf '{"kind":"Config","contexts":[{"name":"c","context":{"cluster":"k","namespace":"from-context"}}],"current-context":"c"}' ;;
  *--raw\ /notfound*) echo 'Error from server (NotFound): pods "x" not found' >&2; exit 1 ;;
  *--raw\ /refused*) echo 'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?' >&2; exit 1 ;;
  *--raw\ /rendezvous*)
    # Answers only once all RENDEZVOUS_COUNT requests are in flight together: proof of concurrency, not of speed.
    touch "$RENDEZVOUS_DIR/$$"; i=0
    while [ "$(ls "$RENDEZVOUS_DIR" | wc -l)" -lt "$RENDEZVOUS_COUNT" ]; do
      i=$((i + 1)); [ $i -gt 1000 ] && { printf '{"together":false}'; exit 0; }; sleep 0.01
    done
    printf '{"together":true}' ;;
  *--raw\ /hang*) exec sleep 30 ;;
  *--raw\ /big*) head -c 1000000 /dev/zero | tr '\0' x ;;
  *--raw\ /watch*) echo '{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a"}}}'
                   echo '{"type":"DELETED","object":{"kind":"Pod","metadata":{"name":"a"}}}' ;;
  *--raw\ /badwatch*) echo '{"type":"ADDED","object":{}}'; echo 'Error from server (Forbidden): watch is forbidden' >&2; exit 1 ;;
  *-f\ -*) cat ;;
  *) printf '%s\n' "$@" ;;
esac
