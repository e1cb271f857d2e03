package rpcserver

import (
	"context"

	"github.com/devchain/devchain/jsonrpc"
)

// Limits and internals for the tests of package rpcserver_test.
const (
	MaxBatch            = maxBatch
	MaxHistoryAddresses = maxHistoryAddresses
	MaxResponseBytes    = maxResponseBytes
)

// SetMaxResponse lowers the reply size limit.
func (s *Server) SetMaxResponse(n int) { s.maxResponse = n }

// MethodArgs lists each method's argument names.
func (s *Server) MethodArgs() map[string][]string {
	out := map[string][]string{}
	for name, m := range s.methods {
		out[name] = []string{}
		for _, a := range m.args {
			out[name] = append(out[name], a.name)
		}
	}
	return out
}

// HandleBody answers one request body as ServeHTTP would.
func (s *Server) HandleBody(ctx context.Context, body []byte) (jsonrpc.Response, bool) {
	budget := s.maxResponse
	return s.handle(ctx, body, &budget)
}
