// Package plugin is the SDK of ledgerbridge provider plugins: the protocol
// between the gateway and its providers, a gRPC service (package pb)
// carried by hashicorp/go-plugin; a host-side core.Provider that calls it
// (NewClient); a plugin-side service that serves a core.Provider
// (NewServer); and Serve for a plugin binary's main. A provider embeds
// core.Unsupported and implements the core.Invoicing and core.Bookkeeping
// calls of the capabilities it declares (examples/journal is complete);
// `ledgerbridge plugins check` runs it through the scenarios the built-in
// providers obey.
//
// Every error that crosses the process boundary is a *core.Error: the plugin
// sends it as a gRPC status detail, the host rebuilds it exactly. A plugin
// that is gone or a call that timed out is core.CodeUnavailable.
//
// # Versions and compatibility
//
// The wire protocol is one service, ledgerbridge.provider.v1.Provider.
// ProtocolVersion (go-plugin's application protocol version) is raised by
// one whenever the service gains a call; the host and every plugin built
// with this package serve every version from 1 up, and go-plugin
// negotiates the highest both sides know. What that promises:
//
//   - A plugin built against an older version keeps starting and serving
//     under a newer gateway. The calls its version lacks are never sent to
//     it: the host answers them CodeUnsupported (HTTP 501) itself
//     (CreateLedgerAccount came with version 2, InvoiceUBL with 3).
//   - Within v1, messages and calls are only added: no field or call is
//     renamed, renumbered, removed or given another meaning, and no field
//     number is reused. A new field's zero value means what the absence
//     meant before, so an older plugin's answers stay valid.
//   - A change that cannot keep those promises would be a new proto package
//     (v2) under a new protocol version, served beside v1 by the host for
//     at least one release.
package plugin

import (
	"context"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/plugin/pb"
)

// ProtocolVersion is the application protocol version. Bump it when
// pb/provider.proto gains a call (or breaks one), and keep serving the old
// versions in VersionedPlugins: go-plugin then negotiates the highest
// version both sides serve, so a plugin built before the bump still runs
// and the host knows which calls it lacks. Version 2 added
// CreateLedgerAccount; the host answers it with CodeUnsupported for a
// version 1 plugin. Version 3 added InvoiceUBL, likewise unsupported for
// older plugins.
const ProtocolVersion = 3

// minProtocolVersion is the oldest version the host and plugins still serve.
const minProtocolVersion = 1

// PluginName is the name under which a plugin binary serves its provider and
// the host dispenses it.
const PluginName = "provider"

// Handshake is shared by the gateway and every provider plugin and never
// changes. The magic cookie is a UX guard, not security: it only stops a
// person who runs a plugin binary by hand from staring at a hung process
// (the binary says it is a plugin and exits). Which binaries the gateway
// trusts is decided by their SHA-256 pin, not by this cookie.
var Handshake = goplugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "LEDGERBRIDGE_PROVIDER_PLUGIN",
	MagicCookieValue: "d02717a49d2a77bb45bb095c26a9112686ddff5ba4de24ad05ef04b7c489ff8a",
}

// GRPCPlugin is the go-plugin glue for a core.Provider. On the plugin side
// Impl is the provider being served; on the host side Impl is nil and
// Dispense returns a core.Provider that calls the plugin.
type GRPCPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
	Impl core.Provider
	// Version is the protocol version this plugin set serves; 0 means
	// ProtocolVersion.
	Version int
}

var _ goplugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers the provider service serving p.Impl.
func (p *GRPCPlugin) GRPCServer(_ *goplugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterProviderServer(s, NewServer(p.Impl))
	return nil
}

// GRPCClient returns a core.Provider over c. ctx is canceled by go-plugin
// when the plugin process exits; from then on every call fails fast with
// core.CodeUnavailable.
func (p *GRPCPlugin) GRPCClient(ctx context.Context, _ *goplugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return &client{rpc: pb.NewProviderClient(c), done: ctx.Done(), version: p.Version}, nil
}

// VersionedPlugins returns the plugin sets by protocol version, for
// goplugin.ServeConfig (impl is the provider) and goplugin.ClientConfig (impl is
// nil).
func VersionedPlugins(impl core.Provider) map[int]goplugin.PluginSet {
	sets := map[int]goplugin.PluginSet{}
	for v := minProtocolVersion; v <= ProtocolVersion; v++ {
		sets[v] = goplugin.PluginSet{PluginName: &GRPCPlugin{Impl: impl, Version: v}}
	}
	return sets
}
