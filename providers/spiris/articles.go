package spiris

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// One article per VAT rate. Spiris takes an invoice row's VAT rate and sales
// account from its article's account coding, and has no VAT field on rows.
// The plugin therefore invoices every line with the article of its rate:
// number "LB-MOMS-<rate>" (e.g. LB-MOMS-25), named "Försäljning <rate> %
// moms", coded with the active article coding of that rate (goods codings
// first, as a register sells goods; a service coding when the company has no
// goods coding of the rate), unit "st". The row's text carries the line's
// description. Articles are found by number (so one made by an earlier,
// interrupted call is reused), created when missing, and their ids cached
// in spiris.db per merchant and rate.

// articleNumber is the plugin's article number for a VAT rate.
func articleNumber(rate decimal.Decimal) string {
	return "LB-MOMS-" + strings.ReplaceAll(rate.String(), ".", "_")
}

func articleName(rate decimal.Decimal) string {
	return "Försäljning " + strings.ReplaceAll(rate.String(), ".", ",") + " % moms"
}

// articles returns the article id of every rate in rates, finding or
// creating them. field names the VAT rate field of each rate's first line
// for errors. Errors: CodeInvalid naming that field when the company has no
// article coding for the rate; API errors.
func (p *Provider) articles(ctx context.Context, conn core.Connection, rates []decimal.Decimal, field func(decimal.Decimal) string, date core.Date) (map[string]string, error) {
	out := map[string]string{}
	var missing []decimal.Decimal
	for _, r := range rates {
		var id string
		err := p.db.Reader().GetContext(ctx, &id, `SELECT article_id FROM articles WHERE merchant_id = ? AND vat_rate = ?`, conn.MerchantID, r.String())
		switch {
		case errors.Is(err, sql.ErrNoRows):
			missing = append(missing, r)
		case err != nil:
			return nil, dbError("read article", err)
		default:
			out[r.String()] = id
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	// One find-or-create at a time, so concurrent first invoices of a
	// merchant do not race to create the same article.
	p.articleM.Lock()
	defer p.articleM.Unlock()
	var codings []apiCoding
	var units []apiUnit
	for _, r := range missing {
		number := articleNumber(r)
		q := url.Values{"$filter": {"Number eq " + odataString(number)}}
		found, err := listAll[apiArticle](ctx, p, conn, "/articles", q)
		if err != nil {
			return nil, err
		}
		id, err := p.usableArticle(ctx, conn, found, number)
		if err != nil {
			return nil, err
		}
		if id == "" {
			if codings == nil {
				q := url.Values{}
				if date != "" {
					q.Set("vatRateDate", string(date))
				}
				if codings, err = listAll[apiCoding](ctx, p, conn, "/articleaccountcodings", q); err != nil {
					return nil, err
				}
				if units, err = listAll[apiUnit](ctx, p, conn, "/units", nil); err != nil {
					return nil, err
				}
			}
			coding := codingFor(codings, r)
			if coding == "" {
				return nil, core.Invalid("no article coding for the VAT rate", core.FieldError{Field: field(r),
					Message: "Visma Spiris has no active article coding (artikelkontering) for " + r.String() + " % VAT; add one in Visma Spiris"})
			}
			unit := unitFor(units)
			if unit == "" {
				return nil, core.Errorf(core.CodeProviderError, "Visma Spiris has no units; add the unit \"st\" in Visma Spiris")
			}
			body := apiArticle{IsActive: true, Number: number, Name: articleName(r), CodingId: coding, UnitId: unit}
			var created apiArticle
			_, err := p.call(ctx, conn, request{method: http.MethodPost, path: "/articles", body: body}, &created)
			if err != nil && (core.Code(err) == core.CodeConflict || outcomeUnknown(err)) {
				// Made by someone else, or by us with the answer lost.
				found, ferr := listAll[apiArticle](ctx, p, conn, "/articles", q)
				if ferr != nil {
					return nil, err
				}
				if fid, ferr := p.usableArticle(ctx, conn, found, number); ferr == nil && fid != "" {
					created, err = apiArticle{Id: fid}, nil
				}
			}
			if err != nil {
				return nil, err
			}
			id = created.Id
		}
		err = p.db.Write(ctx, func(tx *sqlx.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO articles (merchant_id, vat_rate, article_id) VALUES (?, ?, ?)
				ON CONFLICT (merchant_id, vat_rate) DO UPDATE SET article_id = excluded.article_id`, conn.MerchantID, r.String(), id)
			return err
		})
		if err != nil {
			return nil, dbError("store article", err)
		}
		out[r.String()] = id
	}
	return out, nil
}

// usableArticle picks the article numbered number from found, activating
// it again (GET-modify-PUT) when someone deactivated it in Spiris; "" when
// there is none.
func (p *Provider) usableArticle(ctx context.Context, conn core.Connection, found []apiArticle, number string) (string, error) {
	var match *apiArticle
	for i := range found {
		if strings.EqualFold(found[i].Number, number) && (match == nil || found[i].IsActive) {
			match = &found[i]
		}
	}
	if match == nil {
		return "", nil
	}
	if match.IsActive {
		return match.Id, nil
	}
	path := "/articles/" + match.Id
	raw, err := p.call(ctx, conn, request{method: http.MethodGet, path: path, idempotent: true}, nil)
	if err != nil {
		return "", err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", core.Errorf(core.CodeProviderError, "Visma Spiris answered GET %s with an unreadable body: %v", path, err)
	}
	dropReadOnly(obj, articleReadOnly)
	obj["IsActive"] = json.RawMessage("true")
	if _, err := p.call(ctx, conn, request{method: http.MethodPut, path: path, body: obj, idempotent: true}, nil); err != nil {
		return "", err
	}
	return match.Id, nil
}

// forgetArticles drops the merchant's cached articles (one was deleted or
// deactivated in Spiris).
func (p *Provider) forgetArticles(ctx context.Context, merchantID string) error {
	return dbError("forget articles", p.db.Write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM articles WHERE merchant_id = ?`, merchantID)
		return err
	}))
}

// codingFor picks the active coding of rate (percent): goods first.
func codingFor(codings []apiCoding, rate decimal.Decimal) string {
	best := ""
	for _, c := range codings {
		if !c.IsActive || !percent(c.VatRatePercent.Decimal).Equal(rate) {
			continue
		}
		if c.Type != nil && strings.EqualFold(*c.Type, "Goods") {
			return c.Id
		}
		if best == "" {
			best = c.Id
		}
	}
	return best
}

// unitFor picks the unit "st" (piece), else the first unit.
func unitFor(units []apiUnit) string {
	for _, u := range units {
		for _, s := range []string{u.Code, u.Abbreviation} {
			if strings.EqualFold(s, "st") || strings.EqualFold(s, "pcs") {
				return u.Id
			}
		}
	}
	if len(units) > 0 {
		return units[0].Id
	}
	return ""
}
