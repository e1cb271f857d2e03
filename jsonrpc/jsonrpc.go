// Package jsonrpc is the framing of the node's JSON-RPC interface, shared by
// the server and the client: Bitcoin Core's error codes, the error object,
// requests, and the two reply envelopes Bitcoin Core (v28+) answers with.
//
// A request that says "jsonrpc": "2.0" gets a JSON-RPC 2.0 reply: a
// "jsonrpc" member, then "result" or "error" (never both), then "id"; HTTP
// 200 even for errors, and no reply at all (HTTP 204) to a notification (a
// 2.0 request without "id"). Any other request is Core's legacy form
// (bitcoin-cli, btcd's rpcclient and the npm bitcoin-core client send it):
// both "result" and "error" present, one of them null, and HTTP 404 for an
// unknown method, 400 for an invalid request and 500 for every other error.
package jsonrpc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
)

// Bitcoin Core's JSON-RPC error codes, as the node answers them.
const (
	CodeParse           = -32700 // request is not valid JSON
	CodeInvalidRequest  = -32600
	CodeMethodNotFound  = -32601
	CodeInvalidParams   = -32602
	CodeInternal        = -32603
	CodeMisc            = -1  // std::exception thrown in command handling; wrong arity (message: usage)
	CodeInvalidAddress  = -5  // invalid address or key; unknown block or tx
	CodeOutOfMemory     = -7  // ran out of memory during operation
	CodeInvalidParam    = -8  // invalid, missing or duplicate parameter
	CodeDeserialization = -22 // error parsing or validating a block or transaction
	CodeInWarmup        = -28 // server is still starting
	CodeClientNotConn   = -9  // not connected to any peer
	CodeNodeAlreadyAdd  = -23 // node is already added
	CodeNodeNotAdded    = -24 // node has not been added before
	CodeVerify          = -25 // general error during transaction or block submission
	CodeVerifyRejected  = -26 // transaction or block was rejected by network rules
	CodeVerifyInChain   = -27 // transaction already in chain
	CodeNodeNotConn     = -29 // node to disconnect not found in connected nodes
	CodeInvalidIPOrSub  = -30
	CodeNetworkDisabled = -31 // P2P networking is disabled
)

// Error is a JSON-RPC error object.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return fmt.Sprintf("rpc error %d: %s", e.Code, e.Message) }

// Errorf returns an error object with a formatted message.
func Errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Version2 is the "jsonrpc" member of a JSON-RPC 2.0 request.
const Version2 = "2.0"

// Request is one call. Params are positional (an array) or named (an
// object); ID is absent in a notification.
type Request struct {
	JSONRPC string          `json:"jsonrpc,omitempty"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params,omitempty"`
}

// Response is one reply, in either envelope. Legacy chooses Core's legacy
// form; Result is the encoded result (nil for null).
type Response struct {
	Legacy bool
	Result json.RawMessage
	Error  *Error
	ID     json.RawMessage
}

var null = json.RawMessage("null")

// MarshalJSON writes the envelope member by member in Core's order, so that
// replies match Core's byte for byte: {"result":...,"error":null,"id":...}
// in the legacy form, {"jsonrpc":"2.0","result":...,"id":...} in 2.0.
func (r Response) MarshalJSON() ([]byte, error) {
	id := r.ID
	if len(id) == 0 {
		id = null
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	if !r.Legacy {
		buf.WriteString(`"jsonrpc":"2.0",`)
	}
	switch {
	case r.Error != nil:
		errJSON, err := json.Marshal(r.Error)
		if err != nil {
			return nil, err
		}
		if r.Legacy {
			buf.WriteString(`"result":null,`)
		}
		buf.WriteString(`"error":`)
		buf.Write(errJSON)
	default:
		result := r.Result
		if len(result) == 0 {
			result = null
		}
		buf.WriteString(`"result":`)
		buf.Write(result)
		if r.Legacy {
			buf.WriteString(`,"error":null`)
		}
	}
	buf.WriteString(`,"id":`)
	buf.Write(id)
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// HTTPStatus is the status Core sends with a single (not batched) reply:
// 200, except for a legacy error (404 method not found, 400 invalid
// request, 500 otherwise).
func (r Response) HTTPStatus() int {
	if !r.Legacy || r.Error == nil {
		return http.StatusOK
	}
	switch r.Error.Code {
	case CodeMethodNotFound:
		return http.StatusNotFound
	case CodeInvalidRequest:
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// Reply is what a client reads back: the result, or the error object. It
// reads both envelopes (in 2.0, the absent member stays nil).
type Reply struct {
	Result json.RawMessage `json:"result"`
	Error  *Error          `json:"error"`
	ID     json.RawMessage `json:"id"`
}
