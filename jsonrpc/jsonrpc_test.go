package jsonrpc

import (
	"encoding/json"
	"testing"
)

// TestEnvelopes: each reply form, byte for byte, with its HTTP status.
func TestEnvelopes(t *testing.T) {
	notFound := &Error{Code: CodeMethodNotFound, Message: "Method not found"}
	cases := []struct {
		name   string
		resp   Response
		want   string
		status int
	}{
		{"legacy result", Response{Legacy: true, Result: json.RawMessage(`5`), ID: json.RawMessage(`"x"`)}, `{"result":5,"error":null,"id":"x"}`, 200},
		{"legacy null result", Response{Legacy: true, ID: json.RawMessage(`1`)}, `{"result":null,"error":null,"id":1}`, 200},
		{"legacy not found", Response{Legacy: true, Error: notFound, ID: json.RawMessage(`1`)}, `{"result":null,"error":{"code":-32601,"message":"Method not found"},"id":1}`, 404},
		{"legacy invalid request", Response{Legacy: true, Error: &Error{Code: CodeInvalidRequest, Message: "x"}}, `{"result":null,"error":{"code":-32600,"message":"x"},"id":null}`, 400},
		{"legacy other error", Response{Legacy: true, Error: &Error{Code: CodeInvalidParam, Message: "x"}, ID: json.RawMessage(`1`)}, `{"result":null,"error":{"code":-8,"message":"x"},"id":1}`, 500},
		{"2.0 result", Response{Result: json.RawMessage(`[1]`), ID: json.RawMessage(`2`)}, `{"jsonrpc":"2.0","result":[1],"id":2}`, 200},
		{"2.0 error", Response{Error: notFound, ID: json.RawMessage(`2`)}, `{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":2}`, 200},
	}
	for _, tc := range cases {
		got, err := json.Marshal(tc.resp)
		if err != nil || string(got) != tc.want || tc.resp.HTTPStatus() != tc.status {
			t.Errorf("%s: %s (%v) HTTP %d, want %s HTTP %d", tc.name, got, err, tc.resp.HTTPStatus(), tc.want, tc.status)
		}
		var r Reply
		if err := json.Unmarshal(got, &r); err != nil || (r.Error == nil) != (tc.resp.Error == nil) {
			t.Errorf("%s: reads back as %+v, %v", tc.name, r, err)
		}
	}
}
