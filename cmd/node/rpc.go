package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"

	"github.com/devchain/devchain/rpcclient"
)

// stringParams lists, per method, the positions whose arguments are always
// strings even when they look like JSON (a hex string of digits, say), as
// bitcoin-cli's conversion table does the other way round.
var stringParams = map[string][]int{
	"getblock":             {0},
	"getblockheader":       {0},
	"invalidateblock":      {0},
	"reconsiderblock":      {0},
	"submitblock":          {0},
	"sendrawtransaction":   {0},
	"decoderawtransaction": {0},
	"getrawtransaction":    {0, 2},
	"gettxout":             {0},
	"generatetoaddress":    {1},
	"getaddresshistory":    {0},
	"getmempoolentry":      {0},
	"help":                 {0},
	"estimatesmartfee":     {1},
	"addnode":              {0, 1},
	"disconnectnode":       {0},
}

func runRPC(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("node rpc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	datadir := fs.String("datadir", "", "datadir of the node to call")
	url := fs.String("rpc-url", "", "RPC URL of the node (with --rpc-cookie)")
	cookie := fs.String("rpc-cookie", "", "cookie file of the node (with --rpc-url)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "node rpc: want METHOD [PARAMS...]")
		return 2
	}
	client, err := rpcClient(*datadir, *url, *cookie)
	if err != nil {
		fmt.Fprintf(stderr, "node rpc: %v\n", err)
		return 1
	}
	method := fs.Arg(0)
	params := cliParams(method, fs.Args()[1:])
	result, err := client.CallRaw(context.Background(), method, params)
	if err != nil {
		var rpcErr *rpcclient.Error
		if errors.As(err, &rpcErr) {
			fmt.Fprintf(stderr, "error code: %d\nerror message:\n%s\n", rpcErr.Code, rpcErr.Message)
			return 1
		}
		fmt.Fprintf(stderr, "node rpc: %v\n", err)
		return 1
	}
	printResult(stdout, result)
	return 0
}

func rpcClient(datadir, url, cookie string) (*rpcclient.Client, error) {
	switch {
	case url != "" && cookie != "":
		return rpcclient.FromCookieFile(url, cookie)
	case url != "" || cookie != "":
		return nil, errors.New("--rpc-url and --rpc-cookie go together")
	case datadir != "":
		return rpcclient.FromDatadir(datadir)
	}
	return nil, errors.New("want --datadir DIR, or --rpc-url URL --rpc-cookie FILE")
}

// cliParams turns command-line arguments into JSON values: an argument
// that parses as JSON is sent as such (numbers, booleans, arrays, null),
// anything else as a string.
func cliParams(method string, args []string) []any {
	params := make([]any, len(args))
	for i, a := range args {
		var v any
		if slices.Contains(stringParams[method], i) || json.Unmarshal([]byte(a), &v) != nil {
			params[i] = a
			continue
		}
		params[i] = json.RawMessage(a)
	}
	return params
}

// printResult prints like bitcoin-cli: a string bare, null as nothing,
// anything else as indented JSON.
func printResult(w io.Writer, result json.RawMessage) {
	var s string
	switch {
	case bytes.Equal(bytes.TrimSpace(result), []byte("null")):
		return
	case json.Unmarshal(result, &s) == nil:
		fmt.Fprintln(w, s)
		return
	}
	var out bytes.Buffer
	if json.Indent(&out, result, "", "  ") != nil {
		fmt.Fprintln(w, string(result))
		return
	}
	fmt.Fprintln(w, out.String())
}
