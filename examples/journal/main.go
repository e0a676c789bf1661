// Command journal is an example of a third-party provider plugin: it books
// the gateway's daily sales vouchers into a plain-text double-entry journal
// (the ledger/hledger format), one file per merchant. It is built and
// installed exactly as README.md tells operators to add a provider:
//
//	go build -o /opt/ledgerbridge/plugins/ledgerbridge-provider-journal ./examples/journal
//	sha256sum /opt/ledgerbridge/plugins/ledgerbridge-provider-journal
//
// and in the gateway's configuration:
//
//	plugins:
//	  dir: /opt/ledgerbridge/plugins
//	  external:
//	    - name: journal
//	      file: ledgerbridge-provider-journal
//	      sha256: <the sum>
//	      env:
//	        JOURNAL_DIR: /var/lib/ledgerbridge/journals
//
// It embeds core.Unsupported and writes only what a bookkeeping target
// needs: Describe, VerifyConnection, the chart of accounts, VAT codes and
// ExportSales; every invoicing call answers CodeUnsupported (501).
package main

import (
	"os"

	"github.com/ledgerbridge/ledgerbridge/plugin"
)

func main() {
	plugin.Serve(newJournal(os.Getenv("JOURNAL_DIR")), plugin.NewPluginLogger("journal"))
}
