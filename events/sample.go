package events

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// brt is Brasília time (UTC−3, without daylight saving since 2019), the
// zone of every timestamp in a sample.
var brt = time.FixedZone("BRT", -3*60*60)

// Generator fills events with realistic Brazilian CRM data: people's names,
// e-mails derived from them, mobile phones such as "+55 11 98765-4321" whose
// area code matches the city, companies with valid CNPJs, prefixed ids,
// amounts in BRL with two decimals, funnel stages, tags, owners and
// timestamps in Brasília time. Every call draws new data from the
// generator's random source, so two samples differ while a fixed seed and a
// fixed time give the same bytes.
//
// A Generator is safe for concurrent use. Its zero value is ready to use and
// seeds itself randomly on first use.
type Generator struct {
	mu sync.Mutex
	r  *rand.Rand
}

// NewGenerator returns a Generator whose data is fully determined by seed
// (and, for timestamps, by the time passed to SampleAt).
func NewGenerator(seed uint64) *Generator {
	return &Generator{r: rand.New(rand.NewPCG(seed, 0x67616e63686f))} // "gancho"
}

// NewRandomGenerator returns a Generator with a random seed.
func NewRandomGenerator() *Generator { return NewGenerator(rand.Uint64()) }

var defaultGenerator Generator

// Sample returns a sample of the named event (see Lookup for the accepted
// names) from a shared, randomly seeded Generator, dated now.
func Sample(name string) (Payload, error) { return defaultGenerator.Sample(name) }

// Sample returns a sample of the named event dated now. See SampleAt.
func (g *Generator) Sample(name string) (Payload, error) { return g.SampleAt(name, time.Now()) }

// SampleAt returns a sample of the named event (a machine name, a 1-based
// number or a label, as for Lookup) dated at: the envelope
// {"type", "timestamp", "data"} with the event's machine name as type, at in
// Brasília time to the second as timestamp, and the documented fields of the
// event, in their documented order, as data. Other times in the data (when a
// record was created, when a follow-up is due) are drawn around at. An
// unknown name gives an error wrapping ErrUnknown.
func (g *Generator) SampleAt(name string, at time.Time) (Payload, error) {
	i, ok := lookupIndex(name)
	if !ok {
		return Payload{}, fmt.Errorf("relay: sample %q: %w", name, ErrUnknown)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sampleLocked(i, &sampler{at: at})
}

// sampleLocked renders catalogue event i with s, which holds the records
// drawn so far (none for a lone sample; a Story's entity for a journey).
// The caller holds g.mu.
func (g *Generator) sampleLocked(i int, s *sampler) (Payload, error) {
	if g.r == nil {
		g.r = NewRandomGenerator().r
	}
	s.r, s.at = g.r, s.at.In(brt).Truncate(time.Second)
	def := catalogue[i]
	var data []Member
	for _, p := range def.parts {
		data = append(data, p.build(s)...)
	}
	return Envelope(def.name, timestamp(s.at), Object(data...)), nil
}

// part is one piece of an event's data: its documented fields and the
// members it adds to a sample.
type part struct {
	fields []FieldSpec
	build  func(s *sampler) []Member
}

// sampler holds the records of one sample, so that parts that mention the
// same client, opportunity or owner agree with each other.
type sampler struct {
	r         *rand.Rand
	at        time.Time
	client    *person
	prospect  *person
	opp       *opportunity
	owner     *user
	prevOwner *user

	// The fields below are set only by a Story, whose sampler lives across
	// the events of a journey; a lone sample leaves them zero and draws
	// exactly what it always drew.
	story bool
	// phase, when set, is the change a phase_changed event reports.
	phase *[2]string
	// status, when set, is the previous_status a reactivation reports.
	status string
	// deal, once drawn, is the items of the opportunity: its quote and
	// its sale sell the same, for the same amount.
	deal []item
}

type person struct {
	id, name, email, phone, company, cnpj, city, state, jobTitle, source string
	createdAt                                                            time.Time
}

type user struct{ id, name, email string }

type opportunity struct {
	id, title, funnel string
	amount            int64 // cents
	probability       int
	expectedClose     time.Time
	createdAt         time.Time
}

type item struct {
	description string
	quantity    int
	unitPrice   int64 // cents
}

func timestamp(t time.Time) string { return t.In(brt).Format(time.RFC3339) }
func date(t time.Time) string      { return t.In(brt).Format(time.DateOnly) }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// pickN returns n distinct elements of xs in their original order.
func pickN[T any](r *rand.Rand, xs []T, n int) []T {
	idx := r.Perm(len(xs))[:n]
	keep := make([]bool, len(xs))
	for _, i := range idx {
		keep[i] = true
	}
	out := make([]T, 0, n)
	for i, x := range xs {
		if keep[i] {
			out = append(out, x)
		}
	}
	return out
}

func (s *sampler) id(prefix string) string {
	return prefix + strconv.Itoa(100000+s.r.IntN(900000))
}

// past returns a time between two hours and eighteen months before s.at.
func (s *sampler) past() time.Time {
	const lo, hi = 2 * 3600, 540 * 24 * 3600
	return s.at.Add(-time.Duration(lo+s.r.IntN(hi-lo)) * time.Second)
}

// --- people and companies ---

type city struct{ ddd, name, state string }

// cities pairs real area codes (DDD) with their main city; São Paulo is
// listed twice to weigh it as the CRM's customers would.
var cities = []city{
	{"11", "São Paulo", "SP"}, {"11", "São Paulo", "SP"}, {"19", "Campinas", "SP"},
	{"21", "Rio de Janeiro", "RJ"}, {"27", "Vitória", "ES"}, {"31", "Belo Horizonte", "MG"},
	{"41", "Curitiba", "PR"}, {"47", "Joinville", "SC"}, {"48", "Florianópolis", "SC"},
	{"51", "Porto Alegre", "RS"}, {"61", "Brasília", "DF"}, {"62", "Goiânia", "GO"},
	{"71", "Salvador", "BA"}, {"81", "Recife", "PE"}, {"85", "Fortaleza", "CE"},
	{"91", "Belém", "PA"}, {"92", "Manaus", "AM"},
}

var firstNames = []string{
	"Ana", "Maria", "Juliana", "Fernanda", "Camila", "Beatriz", "Larissa", "Patrícia",
	"Aline", "Mariana", "Gabriela", "Letícia", "Amanda", "Bruna", "Carolina", "Luíza",
	"Helena", "Isabela", "Raquel", "Vanessa", "Débora", "Sílvia", "Cláudia", "Tânia",
	"João", "José", "Pedro", "Lucas", "Gabriel", "Rafael", "Felipe", "Bruno",
	"Gustavo", "Thiago", "Rodrigo", "Leonardo", "Matheus", "André", "Carlos", "Eduardo",
	"Marcelo", "Ricardo", "Diego", "Vinícius", "Paulo", "Antônio", "Francisco", "Luiz",
	"Sérgio", "Fábio", "Caio", "Renan",
}

var lastNames = []string{
	"Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira",
	"Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes",
	"Soares", "Fernandes", "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento", "Andrade",
	"Moreira", "Nunes", "Marques", "Machado", "Mendes", "Freitas", "Cardoso", "Ramos",
	"Gonçalves", "Santana", "Teixeira", "Araújo", "Monteiro", "Cavalcanti", "Azevedo",
	"Pinto", "Conceição", "Magalhães", "Guimarães", "Brandão",
}

var personalDomains = []string{
	"gmail.com", "gmail.com", "gmail.com", "hotmail.com", "outlook.com", "yahoo.com.br",
	"uol.com.br", "bol.com.br", "terra.com.br", "icloud.com",
}

var businessKinds = []string{
	"Padaria", "Construtora", "Distribuidora", "Clínica", "Farmácia", "Escola",
	"Auto Peças", "Transportadora", "Imobiliária", "Agropecuária", "Laboratório",
	"Academia", "Metalúrgica", "Gráfica", "Ótica", "Supermercado", "Hotel", "Pet Shop",
}

var businessWords = []string{
	"Aurora", "Horizonte", "Primavera", "Ipê Amarelo", "Jequitibá", "Boa Vista",
	"Bandeirantes", "Atlântico", "Cerrado", "Serra Azul", "Vale Verde", "Sol Nascente",
	"Estrela do Sul", "Nova Era", "Girassol", "Pantanal", "Araucária", "Cruzeiro",
}

var brandPrefixes = []string{
	"Nexo", "Vértice", "Alfa", "Órbita", "Lumen", "Prisma", "Sinergia", "Kora", "Tríade", "Vetor",
}

var brandSuffixes = []string{
	"Tecnologia", "Sistemas", "Soluções", "Digital", "Consultoria", "Logística",
	"Energia", "Alimentos", "Têxtil", "Engenharia",
}

var firmKinds = []string{"Advogados", "Associados", "Contabilidade", "Arquitetura"}

var legalSuffixes = []string{" Ltda", " Ltda", " Ltda", " ME", " S.A.", ""}

var jobTitles = []string{
	"Gerente de Compras", "Gerente Comercial", "Gerente de TI", "Gerente de Operações",
	"Analista de Compras", "Analista de Marketing", "Head de Vendas", "CEO", "CFO",
	"Sócio-fundador", "Coordenador de Suprimentos", "Assistente Administrativo",
}

var sources = []string{
	"Site", "Indicação", "Google Ads", "Instagram", "LinkedIn", "Feira/Evento",
	"WhatsApp", "Prospecção ativa", "E-mail marketing",
}

// accents maps the accented letters of Portuguese names to ASCII.
var accents = strings.NewReplacer(
	"á", "a", "à", "a", "â", "a", "ã", "a", "ä", "a",
	"é", "e", "è", "e", "ê", "e", "ë", "e",
	"í", "i", "ì", "i", "î", "i", "ï", "i",
	"ó", "o", "ò", "o", "ô", "o", "õ", "o", "ö", "o",
	"ú", "u", "ù", "u", "û", "u", "ü", "u",
	"ç", "c", "ñ", "n",
)

// fold lowercases s, strips accents and keeps only ASCII letters and digits:
// "Ipê Amarelo" becomes "ipeamarelo".
func fold(s string) string {
	s = accents.Replace(strings.ToLower(s))
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// company returns a company name and the domain of its site.
func (s *sampler) company() (name, domain string) {
	switch s.r.IntN(3) {
	case 0:
		kind, word := pick(s.r, businessKinds), pick(s.r, businessWords)
		return kind + " " + word + pick(s.r, legalSuffixes), fold(kind+word) + ".com.br"
	case 1:
		a, b := pick(s.r, lastNames), pick(s.r, lastNames)
		for b == a {
			b = pick(s.r, lastNames)
		}
		kind := pick(s.r, firmKinds)
		tld := ".com.br"
		if kind == "Advogados" {
			tld = ".adv.br"
		}
		return a + " & " + b + " " + kind, fold(a+b) + tld
	default:
		p, x := pick(s.r, brandPrefixes), pick(s.r, brandSuffixes)
		return p + " " + x + pick(s.r, legalSuffixes), fold(p+x) + ".com.br"
	}
}

// cnpj returns a formatted CNPJ (company registry number) for a head
// office, with valid check digits.
func (s *sampler) cnpj() string {
	d := make([]int, 0, 14)
	for range 8 {
		d = append(d, s.r.IntN(10))
	}
	d = append(d, 0, 0, 0, 1)
	for _, weights := range [][]int{
		{5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2},
		{6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2},
	} {
		sum := 0
		for i, w := range weights {
			sum += d[i] * w
		}
		dv := 11 - sum%11
		if dv >= 10 {
			dv = 0
		}
		d = append(d, dv)
	}
	var b strings.Builder
	for i, x := range d {
		switch i {
		case 2, 5:
			b.WriteByte('.')
		case 8:
			b.WriteByte('/')
		case 12:
			b.WriteByte('-')
		}
		b.WriteByte(byte('0' + x))
	}
	return b.String()
}

// phone returns a Brazilian mobile number in the given area code.
func (s *sampler) phone(ddd string) string {
	return fmt.Sprintf("+55 %s 9%d%03d-%04d", ddd, 6+s.r.IntN(4), s.r.IntN(1000), s.r.IntN(10000))
}

// email derives an address from a person's name, either personal or at the
// company's domain.
func (s *sampler) email(first, last, companyDomain string) string {
	f, l := fold(first), fold(last)
	if s.r.IntN(2) == 0 {
		local := pick(s.r, []string{f + "." + l, f + l, f + "_" + l, f[:1] + l, f + "." + l + strconv.Itoa(10+s.r.IntN(90))})
		return local + "@" + pick(s.r, personalDomains)
	}
	local := pick(s.r, []string{f + "." + l, f, f[:1] + "." + l, f + l})
	return local + "@" + companyDomain
}

// newPerson returns a client or prospect: a contact person at a company.
func (s *sampler) newPerson(idPrefix string, created bool) *person {
	first, last := pick(s.r, firstNames), pick(s.r, lastNames)
	name := first + " " + last
	if s.r.IntN(3) == 0 {
		middle := pick(s.r, lastNames)
		if middle != last {
			name = first + " " + middle + " " + last
		}
	}
	c := pick(s.r, cities)
	company, domain := s.company()
	p := &person{
		id:        s.id(idPrefix),
		name:      name,
		email:     s.email(first, last, domain),
		phone:     s.phone(c.ddd),
		company:   company,
		cnpj:      s.cnpj(),
		city:      c.name,
		state:     c.state,
		jobTitle:  pick(s.r, jobTitles),
		source:    pick(s.r, sources),
		createdAt: s.at,
	}
	if !created {
		p.createdAt = s.past()
	}
	return p
}

func (s *sampler) clientRec(created bool) *person {
	if s.client == nil && s.story && s.prospect != nil {
		s.client = s.prospect.converted("cli_", s.at)
	}
	if s.client == nil {
		s.client = s.newPerson("cli_", created)
	}
	return s.client
}

func (s *sampler) prospectRec(created bool) *person {
	if s.prospect == nil && s.story && s.client != nil {
		s.prospect = s.client.converted("prs_", s.at)
	}
	if s.prospect == nil {
		s.prospect = s.newPerson("prs_", created)
	}
	return s.prospect
}

// converted is p as the CRM turns a prospect into a client (or back), at
// at: the same person at the same company, under the other prefix with the
// same number (prs_482913 becomes cli_482913).
func (p *person) converted(prefix string, at time.Time) *person {
	c := *p
	_, num, _ := strings.Cut(p.id, "_")
	c.id, c.createdAt = prefix+num, at
	return &c
}

// --- people parts ---

func clientPart(created bool) part {
	return part{
		fields: []FieldSpec{
			{"client.id", "string", `Client id, prefixed "cli_".`},
			{"client.name", "string", "Name of the contact person."},
			{"client.email", "string", "Contact e-mail."},
			{"client.phone", "string", `Mobile phone, international format: "+55 11 98765-4321".`},
			{"client.company", "string", "Company name."},
			{"client.cnpj", "string", `Company registry number (CNPJ), formatted: "12.345.678/0001-95".`},
			{"client.city", "string", "City."},
			{"client.state", "string", `State, two-letter code ("SP").`},
			{"client.created_at", "timestamp", "When the client was created."},
		},
		build: func(s *sampler) []Member {
			p := s.clientRec(created)
			return []Member{M("client", Object(
				M("id", String(p.id)),
				M("name", String(p.name)),
				M("email", String(p.email)),
				M("phone", String(p.phone)),
				M("company", String(p.company)),
				M("cnpj", String(p.cnpj)),
				M("city", String(p.city)),
				M("state", String(p.state)),
				M("created_at", String(timestamp(p.createdAt))),
			))}
		},
	}
}

func prospectPart(created bool) part {
	return part{
		fields: []FieldSpec{
			{"prospect.id", "string", `Prospect id, prefixed "prs_".`},
			{"prospect.name", "string", "Name of the contact person."},
			{"prospect.email", "string", "Contact e-mail."},
			{"prospect.phone", "string", `Mobile phone, international format: "+55 11 98765-4321".`},
			{"prospect.company", "string", "Company name."},
			{"prospect.job_title", "string", "The contact's job title."},
			{"prospect.source", "string", `Where the prospect came from ("Site", "Indicação", "Google Ads"…).`},
			{"prospect.city", "string", "City."},
			{"prospect.state", "string", `State, two-letter code ("SP").`},
			{"prospect.created_at", "timestamp", "When the prospect was created."},
		},
		build: func(s *sampler) []Member {
			p := s.prospectRec(created)
			return []Member{M("prospect", Object(
				M("id", String(p.id)),
				M("name", String(p.name)),
				M("email", String(p.email)),
				M("phone", String(p.phone)),
				M("company", String(p.company)),
				M("job_title", String(p.jobTitle)),
				M("source", String(p.source)),
				M("city", String(p.city)),
				M("state", String(p.state)),
				M("created_at", String(timestamp(p.createdAt))),
			))}
		},
	}
}

// --- owners and sharing ---

// team is the CRM account's sales team: owners, previous owners and the
// users records are shared with.
var team = func() []user {
	names := []string{
		"Renata Moraes", "Diego Fontes", "Priscila Tavares", "Marcos Lemos",
		"Tatiane Brandão", "Fábio Queiroz", "Jéssica Pacheco", "Otávio Siqueira",
	}
	out := make([]user, len(names))
	for i, n := range names {
		first, last, _ := strings.Cut(n, " ")
		out[i] = user{
			id:    "usr_" + strconv.Itoa(1001+i),
			name:  n,
			email: fold(first) + "." + fold(last) + "@suaempresa.com.br",
		}
	}
	return out
}()

func (s *sampler) ownerRec() *user {
	if s.owner == nil {
		u := pick(s.r, team)
		s.owner = &u
	}
	return s.owner
}

// others returns the team without the current (and previous) owner.
func (s *sampler) others() []user {
	var out []user
	for _, u := range team {
		if u.id != s.ownerRec().id && (s.prevOwner == nil || u.id != s.prevOwner.id) {
			out = append(out, u)
		}
	}
	return out
}

func userObject(u user) Value {
	return Object(M("id", String(u.id)), M("name", String(u.name)), M("email", String(u.email)))
}

func userSpecs(prefix, what string) []FieldSpec {
	return []FieldSpec{
		{prefix + ".id", "string", `Id of the ` + what + `, prefixed "usr_".`},
		{prefix + ".name", "string", "Name of the " + what + "."},
		{prefix + ".email", "string", "E-mail of the " + what + "."},
	}
}

var ownerPart = part{
	fields: userSpecs("owner", "salesperson who owns the record"),
	build: func(s *sampler) []Member {
		return []Member{M("owner", userObject(*s.ownerRec()))}
	},
}

var previousOwnerPart = part{
	fields: userSpecs("previous_owner", "salesperson who owned the record before"),
	build: func(s *sampler) []Member {
		if s.prevOwner == nil {
			u := pick(s.r, s.others())
			s.prevOwner = &u
		}
		return []Member{M("previous_owner", userObject(*s.prevOwner))}
	},
}

// usersPart lists one to three team members other than the owner.
func usersPart(key, doc string) part {
	return part{
		fields: append([]FieldSpec{{key, "[]object", doc}}, userSpecs(key+"[]", "user")...),
		build: func(s *sampler) []Member {
			us := pickN(s.r, s.others(), 1+s.r.IntN(3))
			v := Array()
			for _, u := range us {
				v.Items = append(v.Items, userObject(u))
			}
			return []Member{M(key, v)}
		},
	}
}

// --- phases, tags, reasons, statuses ---

// The phases of each funnel, in order; the last one of clientPhases and the
// last two of opportunityStages and prospectPhases are final.
var clientPhases = []string{
	"Onboarding", "Implantação", "Ativo", "Em expansão", "Em risco", "Renovação", "Inativo",
}

var opportunityStages = []string{
	"Prospecção", "Qualificação", "Apresentação", "Proposta", "Negociação",
	"Fechado - ganho", "Fechado - perdido",
}

var prospectPhases = []string{
	"Novo", "Tentativa de contato", "Em contato", "Qualificado", "Desqualificado",
}

// phasePart moves the record between two different phases: from one of
// the first open phases (the rest are final), most often one step forward.
func phasePart(phases []string, open int) part {
	list := strings.Join(quoteAll(phases), ", ")
	return part{
		fields: []FieldSpec{
			{"phase.previous", "string", "Phase before the change, one of " + list + "."},
			{"phase.current", "string", "Phase after the change, never equal to phase.previous."},
		},
		build: func(s *sampler) []Member {
			if s.phase != nil {
				return []Member{M("phase", Object(
					M("previous", String(s.phase[0])),
					M("current", String(s.phase[1])),
				))}
			}
			prev := s.r.IntN(open)
			cur := prev + 1
			if s.r.IntN(4) == 0 {
				for cur = s.r.IntN(len(phases)); cur == prev; cur = s.r.IntN(len(phases)) {
				}
			}
			return []Member{M("phase", Object(
				M("previous", String(phases[prev])),
				M("current", String(phases[cur])),
			))}
		},
	}
}

func quoteAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strconv.Quote(x)
	}
	return out
}

var tags = []string{
	"vip", "b2b", "pme", "enterprise", "indicação", "inbound", "outbound", "alto-potencial",
	"recorrente", "parceiro", "black-friday", "urgente", "newsletter", "renovação",
}

var tagsPart = part{
	fields: []FieldSpec{{"tags", "[]string", "Tags applied by this action (one or more)."}},
	build: func(s *sampler) []Member {
		return []Member{M("tags", Strings(pickN(s.r, tags, 1+s.r.IntN(3))...))}
	},
}

var clientReasons = []string{
	"Encerrou as atividades", "Migrou para um concorrente", "Inadimplência",
	"Cadastro duplicado", "Sem compras há mais de 12 meses",
}

var prospectReasons = []string{
	"Sem orçamento no momento", "Sem interesse na solução", "Escolheu um concorrente",
	"Contato inválido", "Fora do perfil de cliente", "Sem resposta após 5 tentativas",
	"Cadastro duplicado",
}

func reasonPart(reasons []string) part {
	return part{
		fields: []FieldSpec{{"reason", "string", "Why the record was discarded, as typed or chosen in the CRM."}},
		build: func(s *sampler) []Member {
			return []Member{M("reason", String(pick(s.r, reasons)))}
		},
	}
}

func previousStatusPart(statuses ...string) part {
	return part{
		fields: []FieldSpec{{"previous_status", "string",
			"Status before the reactivation: " + strings.Join(quoteAll(statuses), " or ") + "."}},
		build: func(s *sampler) []Member {
			if s.status != "" {
				return []Member{M("previous_status", String(s.status))}
			}
			return []Member{M("previous_status", String(pick(s.r, statuses)))}
		},
	}
}

// --- edits ---

func changesSpecs(fields []string) []FieldSpec {
	return []FieldSpec{
		{"changes", "[]object", "The fields changed by the edit (one or more), in field order."},
		{"changes[].field", "string", "Name of the changed field: " + strings.Join(quoteAll(fields), ", ") + "."},
		{"changes[].old", "any", "Value before the edit, of the field's type."},
		{"changes[].new", "any", "Value after the edit, of the field's type; equal to the record's current value."},
	}
}

func change(field string, old, cur Value) Value {
	return Object(M("field", String(field)), M("old", old), M("new", cur))
}

// personChangesPart edits one to three fields of the subject ("client" or
// "prospect"), the old values coming from another made-up person.
func personChangesPart(subject string) part {
	fields := []string{"name", "email", "phone", "company", "city"}
	if subject == "prospect" {
		fields = append(fields, "job_title")
	}
	value := func(p *person, f string) string {
		switch f {
		case "name":
			return p.name
		case "email":
			return p.email
		case "phone":
			return p.phone
		case "company":
			return p.company
		case "city":
			return p.city
		}
		return p.jobTitle
	}
	return part{
		fields: changesSpecs(fields),
		build: func(s *sampler) []Member {
			rec := s.clientRec(false)
			if subject == "prospect" {
				rec = s.prospectRec(false)
			}
			v := Array()
			for _, f := range pickN(s.r, fields, 1+s.r.IntN(3)) {
				cur := value(rec, f)
				old := cur
				for old == cur {
					old = value(s.newPerson("", false), f)
				}
				v.Items = append(v.Items, change(f, String(old), String(cur)))
			}
			return []Member{M("changes", v)}
		},
	}
}

var opportunityChangesPart = part{
	fields: changesSpecs([]string{"title", "amount", "probability", "expected_close_date"}),
	build: func(s *sampler) []Member {
		o := s.oppRec(false)
		v := Array()
		for _, f := range pickN(s.r, []string{"title", "amount", "probability", "expected_close_date"}, 1+s.r.IntN(3)) {
			switch f {
			case "title":
				old := o.title
				for old == o.title {
					old = s.oppTitle()
				}
				v.Items = append(v.Items, change(f, String(old), String(o.title)))
			case "amount":
				old := o.amount
				for old == o.amount {
					old = s.dealAmount()
				}
				v.Items = append(v.Items, change(f, Amount(old), Amount(o.amount)))
			case "probability":
				old := o.probability
				for old == o.probability {
					old = s.probability()
				}
				v.Items = append(v.Items, change(f, Int(int64(old)), Int(int64(o.probability))))
			case "expected_close_date":
				old := o.expectedClose.AddDate(0, 0, -(7 + s.r.IntN(30)))
				v.Items = append(v.Items, change(f, String(date(old)), String(date(o.expectedClose))))
			}
		}
		return []Member{M("changes", v)}
	},
}

// --- opportunities, quotes, sales ---

var offers = []string{
	"Plano Profissional", "Plano Enterprise", "Renovação anual", "Expansão de licenças",
	"Implantação completa", "Projeto de integração", "Pacote de consultoria",
}

var funnels = []string{"Funil de vendas", "Funil de vendas", "Funil de vendas", "Renovações", "Expansão de contas"}

func (s *sampler) oppTitle() string {
	return pick(s.r, offers) + " - " + s.clientRec(false).company
}

// dealAmount returns an amount between R$ 1.500,00 and R$ 180.000,00 in
// cents, a round number of tens of reais, sometimes ending in ",90".
func (s *sampler) dealAmount() int64 {
	cents := int64(150+s.r.IntN(17851)) * 1000
	if s.r.IntN(4) == 0 {
		cents -= 10
	}
	return cents
}

func (s *sampler) probability() int { return 10 * (1 + s.r.IntN(9)) }

func (s *sampler) oppRec(created bool) *opportunity {
	if s.opp == nil {
		o := &opportunity{
			id:            s.id("opp_"),
			title:         s.oppTitle(),
			funnel:        pick(s.r, funnels),
			amount:        s.dealAmount(),
			probability:   s.probability(),
			expectedClose: s.at.AddDate(0, 0, 7+s.r.IntN(114)),
			createdAt:     s.at,
		}
		if !created {
			o.createdAt = s.past()
		}
		if s.story {
			// One deal all along: the opportunity is worth what its quote
			// and its sale will sell.
			s.deal = s.items()
			_, o.amount = itemsValue(s.deal)
		}
		s.opp = o
	}
	return s.opp
}

func opportunityPart(created bool) part {
	return part{
		fields: []FieldSpec{
			{"opportunity.id", "string", `Sales opportunity id, prefixed "opp_".`},
			{"opportunity.title", "string", "Title of the opportunity."},
			{"opportunity.amount", "number", "Expected value, two decimals, in opportunity.currency."},
			{"opportunity.currency", "string", `ISO 4217 currency code, "BRL".`},
			{"opportunity.funnel", "string", "Sales funnel (pipeline) the opportunity is in."},
			{"opportunity.probability", "integer", "Chance of winning, in percent (10 to 90)."},
			{"opportunity.expected_close_date", "date", "When the deal is expected to close."},
			{"opportunity.created_at", "timestamp", "When the opportunity was created."},
		},
		build: func(s *sampler) []Member {
			o := s.oppRec(created)
			return []Member{M("opportunity", Object(
				M("id", String(o.id)),
				M("title", String(o.title)),
				M("amount", Amount(o.amount)),
				M("currency", String("BRL")),
				M("funnel", String(o.funnel)),
				M("probability", Int(int64(o.probability))),
				M("expected_close_date", String(date(o.expectedClose))),
				M("created_at", String(timestamp(o.createdAt))),
			))}
		},
	}
}

// opportunityRefPart names the opportunity a quote or sale belongs to.
var opportunityRefPart = part{
	fields: []FieldSpec{
		{"opportunity.id", "string", `Id of the related sales opportunity, prefixed "opp_".`},
		{"opportunity.title", "string", "Title of the related sales opportunity."},
	},
	build: func(s *sampler) []Member {
		o := s.oppRec(false)
		return []Member{M("opportunity", Object(M("id", String(o.id)), M("title", String(o.title))))}
	},
}

type product struct {
	name               string
	minReais, maxReais int
	maxQty             int
}

var products = []product{
	{"Plano Essencial (licença anual por usuário)", 590, 990, 25},
	{"Plano Profissional (licença anual por usuário)", 1190, 1890, 25},
	{"Plano Enterprise (licença anual por usuário)", 2490, 3990, 50},
	{"Implantação e configuração", 2500, 15000, 1},
	{"Treinamento da equipe (turma de até 10 pessoas)", 1800, 4500, 3},
	{"Consultoria (pacote de 10 horas)", 2200, 3800, 5},
	{"Integração com ERP", 4500, 18000, 1},
	{"Suporte premium (12 meses)", 3600, 9600, 1},
	{"Migração de dados", 1500, 8000, 1},
}

// dealItems are the items of a quote or sale: the story's deal when there
// is one, otherwise freshly drawn.
func (s *sampler) dealItems() []item {
	if s.deal != nil {
		return s.deal
	}
	return s.items()
}

func (s *sampler) items() []item {
	ps := pickN(s.r, products, 1+s.r.IntN(3))
	out := make([]item, len(ps))
	for i, p := range ps {
		reais := p.minReais + 10*s.r.IntN((p.maxReais-p.minReais)/10+1)
		cents := int64(reais) * 100
		if s.r.IntN(3) == 0 {
			cents -= 10
		}
		out[i] = item{description: p.name, quantity: 1 + s.r.IntN(p.maxQty), unitPrice: cents}
	}
	return out
}

func itemSpecs(prefix string) []FieldSpec {
	return []FieldSpec{
		{prefix + ".items", "[]object", "Line items (one or more)."},
		{prefix + ".items[].description", "string", "What is sold."},
		{prefix + ".items[].quantity", "integer", "How many."},
		{prefix + ".items[].unit_price", "number", "Price of one, two decimals, in " + prefix + ".currency."},
		{prefix + ".items[].total", "number", "quantity × unit_price, two decimals."},
	}
}

// itemsValue renders items and returns their total in cents.
func itemsValue(items []item) (Value, int64) {
	v := Array()
	var sum int64
	for _, it := range items {
		total := int64(it.quantity) * it.unitPrice
		sum += total
		v.Items = append(v.Items, Object(
			M("description", String(it.description)),
			M("quantity", Int(int64(it.quantity))),
			M("unit_price", Amount(it.unitPrice)),
			M("total", Amount(total)),
		))
	}
	return v, sum
}

var quotePart = part{
	fields: append([]FieldSpec{
		{"quote.id", "string", `Quote id, prefixed "quo_".`},
		{"quote.number", "string", `Quote number shown to the customer: "COT-2025-00042".`},
		{"quote.amount", "number", "Total of the items, two decimals, in quote.currency."},
		{"quote.currency", "string", `ISO 4217 currency code, "BRL".`},
		{"quote.valid_until", "date", "Last day the quote is valid."},
	}, itemSpecs("quote")...),
	build: func(s *sampler) []Member {
		id := s.id("quo_")
		number := fmt.Sprintf("COT-%d-%05d", s.at.Year(), 1+s.r.IntN(99999))
		valid := s.at.AddDate(0, 0, pick(s.r, []int{7, 10, 15, 30}))
		items, total := itemsValue(s.dealItems())
		return []Member{M("quote", Object(
			M("id", String(id)),
			M("number", String(number)),
			M("amount", Amount(total)),
			M("currency", String("BRL")),
			M("valid_until", String(date(valid))),
			M("items", items),
		))}
	},
}

var paymentMethods = []string{"Pix", "Pix", "Boleto bancário", "Cartão de crédito", "Transferência bancária"}

var salePart = part{
	fields: append([]FieldSpec{
		{"sale.id", "string", `Sale id, prefixed "sal_".`},
		{"sale.amount", "number", "Total of the items, two decimals, in sale.currency."},
		{"sale.currency", "string", `ISO 4217 currency code, "BRL".`},
		{"sale.payment_method", "string", `"Pix", "Boleto bancário", "Cartão de crédito" or "Transferência bancária".`},
		{"sale.installments", "integer", "Number of installments (1 to 12)."},
		{"sale.closed_at", "timestamp", "When the sale was closed."},
	}, itemSpecs("sale")...),
	build: func(s *sampler) []Member {
		id := s.id("sal_")
		method := pick(s.r, paymentMethods)
		installments := 1
		switch method {
		case "Cartão de crédito":
			installments = pick(s.r, []int{1, 2, 3, 6, 10, 12})
		case "Boleto bancário":
			installments = 1 + s.r.IntN(3)
		}
		items, total := itemsValue(s.dealItems())
		return []Member{M("sale", Object(
			M("id", String(id)),
			M("amount", Amount(total)),
			M("currency", String("BRL")),
			M("payment_method", String(method)),
			M("installments", Int(int64(installments))),
			M("closed_at", String(timestamp(s.at))),
			M("items", items),
		))}
	},
}

// --- follow-ups ---

var followUpKinds = []string{"call", "email", "meeting", "whatsapp"}

var followUpNotes = map[string][]string{
	"call": {
		"Ligar para apresentar a proposta revisada",
		"Ligar para confirmar o interesse e o orçamento disponível",
		"Retornar a ligação sobre o prazo de implantação",
	},
	"email": {
		"Enviar apresentação comercial e estudo de caso",
		"Enviar proposta atualizada com 5% de desconto",
		"Mandar o contrato para revisão do jurídico",
	},
	"meeting": {
		"Demonstração da plataforma para o time de compras",
		"Reunião presencial para alinhar o escopo",
		"Videochamada com a diretoria para fechar as condições",
	},
	"whatsapp": {
		"Confirmar pelo WhatsApp o recebimento da proposta",
		"Lembrar da reunião de amanhã",
		"Enviar o link do boleto",
	},
}

var followUpPart = part{
	fields: []FieldSpec{
		{"follow_up.id", "string", `Follow-up id, prefixed "fup_".`},
		{"follow_up.kind", "string", `"call", "email", "meeting" or "whatsapp".`},
		{"follow_up.due_at", "timestamp", "When the follow-up is due (business hours, within two weeks)."},
		{"follow_up.note", "string", "What to do, as written by the salesperson."},
	},
	build: func(s *sampler) []Member {
		id := s.id("fup_")
		kind := pick(s.r, followUpKinds)
		day := s.at.AddDate(0, 0, 1+s.r.IntN(14))
		due := time.Date(day.Year(), day.Month(), day.Day(), 9+s.r.IntN(9), 15*s.r.IntN(4), 0, 0, brt)
		return []Member{M("follow_up", Object(
			M("id", String(id)),
			M("kind", String(kind)),
			M("due_at", String(timestamp(due))),
			M("note", String(pick(s.r, followUpNotes[kind]))),
		))}
	},
}
