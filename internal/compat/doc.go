// Package compat holds the tests that drive a real `node run` process with
// third-party clients, as users of Bitcoin Core's RPC do: btcd's Go
// rpcclient, the npm bitcoin-core client (when node and npm are present)
// and raw HTTP in Core's documented curl form. Every reply must decode.
package compat
