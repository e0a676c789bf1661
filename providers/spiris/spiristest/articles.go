package spiristest

import (
	"net/http"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// Articles returns the articles, oldest first.
func (s *Server) Articles() []Article {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Article, 0, len(s.articles))
	for _, a := range s.articles {
		out = append(out, *a)
	}
	return out
}

// ArticleAccountCodings returns the seeded article codings.
func (s *Server) ArticleAccountCodings() []ArticleAccountCoding {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ArticleAccountCoding, 0, len(s.codings))
	for _, a := range s.codings {
		out = append(out, *a)
	}
	return out
}

// TermsOfPayments returns the seeded terms of payment.
func (s *Server) TermsOfPayments() []TermsOfPayment {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]TermsOfPayment, 0, len(s.terms))
	for _, t := range s.terms {
		out = append(out, *t)
	}
	return out
}

// Units returns the seeded units.
func (s *Server) Units() []Unit {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Unit, 0, len(s.units))
	for _, u := range s.units {
		out = append(out, *u)
	}
	return out
}

func (s *Server) termsByID(id string) *TermsOfPayment {
	return find(s.terms, func(t *TermsOfPayment) bool { return strings.EqualFold(t.Id, id) })
}

func (s *Server) listTerms(c *reqCtx) (int, any, *apiError) { return list(c, s.terms) }

func (s *Server) getTerms(c *reqCtx) (int, any, *apiError) {
	t := s.termsByID(c.params[0])
	if t == nil {
		return 0, nil, notFound("TermsOfPayment")
	}
	return http.StatusOK, t, nil
}

func (s *Server) unitByID(id string) *Unit {
	return find(s.units, func(u *Unit) bool { return strings.EqualFold(u.Id, id) })
}

func (s *Server) listUnits(c *reqCtx) (int, any, *apiError) { return list(c, s.units) }

func (s *Server) getUnit(c *reqCtx) (int, any, *apiError) {
	u := s.unitByID(c.params[0])
	if u == nil {
		return 0, nil, notFound("Unit")
	}
	return http.StatusOK, u, nil
}

func (s *Server) codingByID(id string) *ArticleAccountCoding {
	return find(s.codings, func(a *ArticleAccountCoding) bool { return strings.EqualFold(a.Id, id) })
}

func (s *Server) listCodings(c *reqCtx) (int, any, *apiError) { return list(c, s.codings) }

func (s *Server) getCoding(c *reqCtx) (int, any, *apiError) {
	a := s.codingByID(c.params[0])
	if a == nil {
		return 0, nil, notFound("ArticleAccountCoding")
	}
	return http.StatusOK, a, nil
}

func (s *Server) articleByID(id string) *Article {
	return find(s.articles, func(a *Article) bool { return strings.EqualFold(a.Id, id) })
}

func (s *Server) listArticles(c *reqCtx) (int, any, *apiError) { return list(c, s.articles) }

func (s *Server) getArticle(c *reqCtx) (int, any, *apiError) {
	a := s.articleByID(c.params[0])
	if a == nil {
		return 0, nil, notFound("Article")
	}
	return http.StatusOK, a, nil
}

// completeArticle checks references and fills the server-set fields. The
// price not given is derived from the other and the coding's VAT rate.
func (s *Server) completeArticle(a *Article, selfID string) *apiError {
	if dup := find(s.articles, func(o *Article) bool { return o.Id != selfID && strings.EqualFold(o.Number, a.Number) }); dup != nil {
		return &apiError{Status: http.StatusConflict, Code: CodeConflict,
			Msg:    "ConflictException - An article with the number " + a.Number + " already exists.",
			Errors: []FieldError{{Field: "Number", ErrorCode: "Conflict", Message: "The article number is already in use."}}}
	}
	coding := s.codingByID(a.CodingId)
	if coding == nil {
		return refMissing("CodingId", "ArticleAccountCoding")
	}
	unit := s.unitByID(a.UnitId)
	if unit == nil {
		return refMissing("UnitId", "Unit")
	}
	for name, v := range map[string]Amount{"NetPrice": a.NetPrice, "GrossPrice": a.GrossPrice} {
		if !maxPlaces(v.Decimal, 2) {
			return invalid(name+" can have at most 2 decimals.", name)
		}
	}
	one := decimal.NewFromInt(1).Add(coding.VatRatePercent.Decimal)
	switch {
	case a.GrossPrice.IsZero() && !a.NetPrice.IsZero():
		a.GrossPrice = Dec(round2(a.NetPrice.Mul(one)))
	case a.NetPrice.IsZero() && !a.GrossPrice.IsZero():
		a.NetPrice = Dec(round2(a.GrossPrice.Div(one)))
	}
	a.CodingId, a.UnitId = coding.Id, unit.Id
	a.CodingName = coding.Name
	a.UnitName, a.UnitAbbreviation = ptr(unit.Name), ptr(unit.Abbreviation)
	a.IsServiceArticle = coding.Type != nil && *coding.Type == "Service"
	return nil
}

func (s *Server) postArticle(c *reqCtx) (int, any, *apiError) {
	var a Article
	if err := c.decode(&a); err != nil {
		return 0, nil, err
	}
	a.Id = newID()
	if err := s.completeArticle(&a, a.Id); err != nil {
		return 0, nil, err
	}
	a.CreatedUtc, a.ChangedUtc = utcStamp(c.now), utcStamp(c.now)
	s.articles = append(s.articles, &a)
	return http.StatusCreated, &a, nil
}

func (s *Server) putArticle(c *reqCtx) (int, any, *apiError) {
	old := s.articleByID(c.params[0])
	if old == nil {
		return 0, nil, notFound("Article")
	}
	var a Article
	if err := c.decode(&a); err != nil {
		return 0, nil, err
	}
	a.Id = old.Id
	if err := s.completeArticle(&a, old.Id); err != nil {
		return 0, nil, err
	}
	a.CreatedUtc, a.ChangedUtc = old.CreatedUtc, utcStamp(c.now)
	i := slices.Index(s.articles, old)
	s.articles[i] = &a
	return http.StatusOK, &a, nil
}
