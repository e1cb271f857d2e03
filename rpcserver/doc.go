// Package rpcserver is the node's JSON-RPC server: Bitcoin Core's methods,
// names, result shapes and error codes over HTTP with cookie
// authentication, in both of Core's envelopes (package jsonrpc).
//
// It is a thin adapter. Every method reads the node through the narrow
// Node interface (a consistent View of chain and mempool, a few commands,
// the miner and network controls), which package node implements; the
// server holds no chain state of its own. methods.go lists the methods
// with Core's argument names, which drive named parameters, arity checks
// and `help`; server.go frames requests and bounds what one request may
// cost (batch length, reply size).
package rpcserver
