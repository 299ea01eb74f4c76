import { createRandom, type Random } from './create-random.js';

/** Platform-neutral statuses the generator draws from; simulators map them to their platform's values. */
export const GENERATED_STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const;
/** A generated ticket's status. */
export type GeneratedStatus = (typeof GENERATED_STATUSES)[number];

/** Platform-neutral priorities; `null` means "not set", which every platform allows. */
export const GENERATED_PRIORITIES = ['low', 'normal', 'high', 'urgent', null] as const;
/** A generated ticket's priority. */
export type GeneratedPriority = (typeof GENERATED_PRIORITIES)[number];

/** Topics the phrase banks cover. */
export type GeneratedTopic = 'billing' | 'login' | 'outage' | 'refund' | 'angry' | 'shipping' | 'bug' | 'feature' | 'security';

/** A person on a generated ticket (requester or agent). */
export interface GeneratedPerson {
  /** Stable id within one generator (`u…` for customers, `a…` for agents). */
  id: string;
  /** Display name; some are accented, CJK, Cyrillic or Arabic, as real customer bases are. */
  name: string;
  email: string;
}

/** A customer organization. */
export interface GeneratedOrganization {
  id: string;
  name: string;
  domain: string;
}

/** How a ticket reached the platform. */
export type GeneratedChannel = 'email' | 'web' | 'chat' | 'phone' | 'api';

/** What the last {@link TicketGenerator.mutate} changed. */
export type GeneratedChange =
  | { kind: 'status'; from: GeneratedStatus; to: GeneratedStatus }
  | { kind: 'priority'; from: GeneratedPriority; to: GeneratedPriority }
  | { kind: 'tag'; added: string }
  | { kind: 'assignee'; from: string | null; to: string };

/** A platform-neutral ticket, ready for a simulator to reshape into its platform's JSON. */
export interface GeneratedTicket {
  /** Sequence number, 1-based, unique within one generator: simulators usually use it as the platform id. */
  seq: number;
  topic: GeneratedTopic;
  subject: string;
  /** Several sentences, sometimes several paragraphs (`\n\n`). */
  description: string;
  status: GeneratedStatus;
  priority: GeneratedPriority;
  channel: GeneratedChannel;
  requester: GeneratedPerson;
  /** `null` while unassigned (always for `new` tickets). */
  assignee: GeneratedPerson | null;
  /** `null` for customers without a company. */
  organization: GeneratedOrganization | null;
  /** Lower-case, unique, in insertion order. */
  tags: string[];
  /** Epoch milliseconds. Simulators truncate to their platform's granularity (seconds for most). */
  createdAt: number;
  /** Epoch milliseconds; never before `createdAt`, later after each mutation. */
  updatedAt: number;
  /** 1 for a new ticket, +1 per mutation. */
  version: number;
  /** What the last mutation changed (absent on a new ticket). */
  lastChange?: GeneratedChange;
}

/** Options of {@link createTicketGenerator}. */
export interface TicketGeneratorOptions {
  /** Same seed → identical tickets, in the same order, on every run. */
  seed: number;
  /** Time of the first ticket (default 2026-01-05T08:00:00Z: fixed, so output never depends on the clock). */
  start?: Date;
  /**
   * Largest gap between consecutive tickets, in ms (default 90 000). A quarter of the gaps are under a second,
   * so tickets often share a second: that is what exercises same-second ties at page boundaries.
   */
  maxGapMs?: number;
}

/** A deterministic source of realistic tickets. Calls continue one stream: ids and times keep increasing. */
export interface TicketGenerator {
  /** The next `count` tickets, all in memory. Prefer {@link TicketGenerator.iterate} for very large counts. */
  generate(count: number): GeneratedTicket[];
  /** The next `count` tickets, lazily: 100 000 tickets never sit in memory at once. */
  iterate(count: number): Generator<GeneratedTicket, void, undefined>;
  /**
   * A realistic update of `ticket` (status change, priority change, new tag or reassignment) whose `updatedAt` is
   * at least one second later than both the ticket and every time this generator handed out so far. The input is
   * not modified.
   */
  mutate(ticket: GeneratedTicket): GeneratedTicket;
  /** The latest time this generator has handed out (epoch ms). */
  now(): number;
  /** The agents tickets are assigned to. */
  readonly agents: readonly GeneratedPerson[];
}

/**
 * Creates a seeded ticket generator for simulators and tests. Tickets read like a real support queue (billing,
 * login, outages, refunds, angry customers...), include hostile and urgent wording, markup and injection attempts
 * a host must treat as text, and unicode (accented, CJK, Cyrillic, Arabic names, emoji), because connectors and
 * hosts break on exactly those.
 *
 * @example
 * ```ts
 * const gen = createTicketGenerator({ seed: 1 });
 * for (const t of gen.iterate(100_000)) table.upsert(toPlatformJson(t));
 * ```
 */
export function createTicketGenerator(options: TicketGeneratorOptions): TicketGenerator {
  const random = createRandom(options.seed);
  const maxGapMs = options.maxGapMs ?? 90_000;
  let clock = (options.start ?? new Date('2026-01-05T08:00:00Z')).getTime();
  let seq = 0;

  // Small fixed pools, drawn once: tickets share requesters and organizations like a real account does, and
  // memory stays flat however many tickets are generated.
  const organizations: GeneratedOrganization[] = COMPANIES.map(([name, domain], i) => ({ id: `o${i + 1}`, name, domain }));
  const customers: Array<GeneratedPerson & { org: GeneratedOrganization | null }> = [];
  for (let i = 0; i < 240; i++) {
    const [name, local] = random.pick(PEOPLE);
    const org = random.chance(0.8) ? random.pick(organizations) : null;
    const domain = org?.domain ?? random.pick(FREEMAIL);
    customers.push({ id: `u${i + 1}`, name, email: `${local}${i % 7 === 0 ? '' : `.${i + 1}`}@${domain}`, org });
  }
  const agents: GeneratedPerson[] = AGENTS.map(([name, local], i) => ({ id: `a${i + 1}`, name, email: `${local}@support.example.com` }));

  const advance = (): number => {
    clock += random.chance(0.25) ? random.int(0, 999) : random.int(1_000, Math.max(1_000, maxGapMs));
    return clock;
  };

  const next = (): GeneratedTicket => {
    seq += 1;
    const topic = random.pick(TOPICS);
    const bank = BANKS[topic];
    const fill = (template: string) => template.replace(/\{(\w+)\}/g, (_, key: string) => random.pick(SLOTS[key] ?? [key]));
    const customer = random.pick(customers);
    const status = random.pick(STATUS_WEIGHTS);
    const priority = topic === 'outage' || topic === 'security' ? random.pick(['high', 'urgent', 'urgent'] as const) : random.pick(PRIORITY_WEIGHTS);
    const sentences = random.sample(bank.body, random.int(2, Math.min(4, bank.body.length))).map(fill);
    const paragraphs = [random.pick(GREETINGS).replace('{name}', firstName(customer.name)), sentences.join(' ')];
    if (random.chance(0.15)) paragraphs.push(random.pick(HOSTILE_EXTRAS));
    paragraphs.push(random.pick(SIGN_OFFS).replace('{name}', customer.name));
    let subject = fill(random.pick(bank.subjects));
    if (topic === 'angry' || priority === 'urgent') subject = random.chance(0.5) ? `${random.pick(URGENT_PREFIXES)}${subject}` : subject;
    if (random.chance(0.08)) subject = `${subject} ${random.pick(EMOJI)}`;
    const tags = [topic, ...random.sample(bank.tags, random.int(0, 2))];
    if (customer.org && random.chance(0.3)) tags.push(random.pick(['vip', 'enterprise', 'trial', 'churn_risk']));
    const createdAt = advance();
    const updatedAt = random.chance(0.3) ? advance() : createdAt;
    return {
      seq,
      topic,
      subject,
      description: paragraphs.join('\n\n'),
      status,
      priority,
      channel: random.pick(CHANNELS),
      requester: { id: customer.id, name: customer.name, email: customer.email },
      assignee: status === 'new' ? null : random.chance(0.85) ? random.pick(agents) : null,
      organization: customer.org,
      tags: [...new Set(tags)],
      createdAt,
      updatedAt,
      version: 1,
    };
  };

  function* iterate(count: number): Generator<GeneratedTicket, void, undefined> {
    for (let i = 0; i < count; i++) yield next();
  }

  return {
    agents,
    iterate,
    generate: (count) => [...iterate(count)],
    now: () => clock,
    mutate(ticket) {
      // At least a second later: platforms with second-granular timestamps must see the update as a new version.
      clock = Math.max(clock, ticket.updatedAt) + random.int(1_000, Math.max(1_000, maxGapMs));
      const updatedAt = clock;
      const out: GeneratedTicket = { ...ticket, tags: [...ticket.tags], updatedAt, version: ticket.version + 1 };
      const kind = random.pick(['status', 'status', 'priority', 'tag', 'assignee'] as const);
      if (kind === 'status') {
        const to = random.pick(NEXT_STATUS[ticket.status]);
        out.status = to;
        if (to !== 'new' && !out.assignee) out.assignee = random.pick(agents);
        out.lastChange = { kind, from: ticket.status, to };
      } else if (kind === 'priority') {
        const to = random.pick(GENERATED_PRIORITIES.filter((p) => p !== ticket.priority));
        out.priority = to;
        out.lastChange = { kind, from: ticket.priority, to };
      } else if (kind === 'tag') {
        const added = random.pick(MUTATION_TAGS.filter((t) => !ticket.tags.includes(t)));
        out.tags.push(added);
        out.lastChange = { kind, added };
      } else {
        const to = random.pick(agents.filter((a) => a.id !== ticket.assignee?.id));
        out.assignee = to;
        if (out.status === 'new') out.status = 'open';
        out.lastChange = { kind, from: ticket.assignee?.id ?? null, to: to.id };
      }
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Internal helpers: phrase banks
// ---------------------------------------------------------------------------------------------------------------

function firstName(name: string): string {
  // CJK names are written family-name first and are not split into given names.
  return /[\u3040-\u9fff\uac00-\ud7af]/.test(name) ? name : (name.split(' ')[0] ?? name);
}

const TOPICS: readonly GeneratedTopic[] = ['billing', 'billing', 'login', 'login', 'outage', 'refund', 'angry', 'shipping', 'bug', 'bug', 'feature', 'security'];
const STATUS_WEIGHTS: readonly GeneratedStatus[] = ['new', 'open', 'open', 'open', 'pending', 'pending', 'on_hold', 'solved', 'solved', 'closed'];
const PRIORITY_WEIGHTS: readonly GeneratedPriority[] = ['low', 'normal', 'normal', 'normal', 'high', 'urgent', null];
const CHANNELS: readonly GeneratedChannel[] = ['email', 'email', 'web', 'web', 'chat', 'phone', 'api'];
const MUTATION_TAGS = ['escalated', 'waiting_on_engineering', 'follow_up', 'refund_approved', 'needs_info', 'sla_breach', 'duplicate', 'known_issue', 'vip'];
const NEXT_STATUS: Record<GeneratedStatus, readonly GeneratedStatus[]> = {
  new: ['open', 'pending'],
  open: ['pending', 'on_hold', 'solved'],
  pending: ['open', 'solved'],
  on_hold: ['open', 'pending'],
  solved: ['open', 'closed'],
  // A closed ticket only changes when a customer reopens it by writing again.
  closed: ['open'],
};

const PEOPLE: ReadonlyArray<readonly [name: string, emailLocal: string]> = [
  ['Ana García', 'ana.garcia'],
  ['José Álvarez', 'jose.alvarez'],
  ['Zoë Brontë', 'zoe.bronte'],
  ['François Lefèvre', 'francois.lefevre'],
  ['Søren Kierkegård', 'soren.k'],
  ['Łukasz Wąsik', 'lukasz.wasik'],
  ['Björn Þórsson', 'bjorn.thorsson'],
  ['Ngozi Okonkwo', 'ngozi.okonkwo'],
  ['Priya Raghunathan', 'priya.r'],
  ['Mateus Conceição', 'mateus.conceicao'],
  ['Chloé Dubois-Martin', 'chloe.dubois'],
  ['Mehmet Yılmaz', 'mehmet.yilmaz'],
  ['Dvořák Antonín', 'antonin.dvorak'],
  ['山田 太郎', 'taro.yamada'],
  ['王芳', 'wang.fang'],
  ['김민준', 'minjun.kim'],
  ['Αλέξανδρος Παπαδόπουλος', 'alexandros.p'],
  ['Дмитрий Иванов', 'dmitry.ivanov'],
  ['محمد العلي', 'mohammed.alali'],
  ['Siobhán O\'Connor', 'siobhan.oconnor'],
  ['John Smith', 'john.smith'],
  ['Emily Johnson', 'emily.johnson'],
  ['Michael Brown', 'michael.brown'],
  ['Sarah Miller', 'sarah.miller'],
  ['David Lee', 'david.lee'],
  ['Laura Schmidt', 'laura.schmidt'],
  ['Tom Baker', 'tom.baker'],
  ['Olivia Wilson', 'olivia.wilson'],
  ['Noah Müller', 'noah.mueller'],
  ['Emma Rossi', 'emma.rossi'],
];
const AGENTS: ReadonlyArray<readonly [name: string, emailLocal: string]> = [
  ['Alex Support', 'alex'],
  ['Jordan Reyes', 'jordan'],
  ['Mina Sato', 'mina'],
  ['Rafael Nuñez', 'rafael'],
  ['Helga Larsen', 'helga'],
  ['Chen Wei', 'chen.wei'],
];
const COMPANIES: ReadonlyArray<readonly [name: string, domain: string]> = [
  ['Globex Corporation', 'globex.example'],
  ['Initech', 'initech.example'],
  ['Umbrella Logistics', 'umbrella-logistics.example'],
  ['Café Müller GmbH', 'cafe-mueller.example'],
  ['Société Générale des Vins', 'sgv.example'],
  ['株式会社サクラ', 'sakura.example.jp'],
  ['Stark Industries', 'stark.example'],
  ['Wayne Enterprises', 'wayne.example'],
  ['Hooli', 'hooli.example'],
  ['Pied Piper', 'piedpiper.example'],
  ['Vandelay Industries', 'vandelay.example'],
  ['Soylent Foods', 'soylent.example'],
  ['Nordisk Fjord AS', 'fjord.example.no'],
  ['Ação Digital Ltda', 'acao.example.com.br'],
];
const FREEMAIL = ['mail.example.com', 'inbox.example.net', 'post.example.org'];
const EMOJI = ['🔥', '😡', '🙏', '💸', '🚨', '😭', '👍', '⚠️'];
const URGENT_PREFIXES = ['URGENT: ', 'URGENT!!! ', '[P1] ', 'ASAP - ', 'Re: Re: Re: ', 'FW: ', '!!! '];
const GREETINGS = ['Hi,', 'Hello support team,', 'Hi {name} here.', 'Dear Sir or Madam,', 'Hey there,', 'Bonjour,', 'Hallo,', 'To whom it may concern,', 'Hi again,'];
const SIGN_OFFS = ['Thanks,\n{name}', 'Best regards,\n{name}', 'Cheers, {name}', '— {name}', 'Sent from my iPhone', 'Merci d\'avance,\n{name}', 'Regards\n{name}\n(this is the third time I am writing)'];
/** Text a host must store and show as text: markup, template syntax, SQL, very long tokens, RTL and zero-width. */
const HOSTILE_EXTRAS = [
  '<script>alert("xss")</script> <b>bold?</b> <img src=x onerror=alert(1)>',
  "Robert'); DROP TABLE tickets;-- is my username",
  'Please escalate {{ticket.requester.email}} ${process.env.SECRET} %s %n',
  'Error log: TypeError: Cannot read properties of undefined (reading \'map\')\n    at render (app.js:1:4242)',
  'IF THIS IS NOT FIXED TODAY I WILL CANCEL, POST ABOUT IT EVERYWHERE AND TALK TO MY LAWYER.',
  'Reference: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'مرحبا، لدي مشكلة في الفاتورة رقم 4471',
  'zero\u200bwidth\u200bspaces and a right-to-left mark \u200f here',
  'お世話になっております。請求書の金額が間違っています。至急ご確認ください。',
];
const SLOTS: Record<string, readonly string[]> = {
  product: ['the dashboard', 'the mobile app', 'the API', 'the billing portal', 'Reports', 'the Outlook plugin', 'SSO', 'the checkout page'],
  plan: ['Pro', 'Enterprise', 'Starter', 'Team', 'annual Business'],
  amount: ['$49.00', '$1,299.99', '€240', '£18.50', '¥12,000', '$0.99', 'R$ 350,00'],
  invoice: ['INV-2026-0042', 'INV-88317', '#4471', 'INV-2025-1207', 'A-77-0193'],
  error: ['500 Internal Server Error', 'ERR_CONNECTION_RESET', '"Something went wrong"', 'error code 0x80070005', 'a blank white page', '403 Forbidden'],
  days: ['two days', 'a week', '3 hours', 'since Monday', '10 days', 'over a month'],
  order: ['#100234', '#A-5521', 'ORD-99812', '#7731-B'],
  country: ['Germany', 'Brazil', 'Japan', 'Canada', 'Nigeria', 'France', 'India'],
  feature: ['dark mode', 'CSV export', 'an audit log', 'bulk edit', 'SAML SSO', 'webhooks', 'a Slack integration'],
};
const BANKS: Record<GeneratedTopic, { subjects: readonly string[]; body: readonly string[]; tags: readonly string[] }> = {
  billing: {
    subjects: ['Charged twice for {plan} plan', 'Invoice {invoice} shows the wrong amount', 'Question about my last invoice', 'Why was I billed {amount}?', 'Update credit card on file', 'VAT number missing on invoice {invoice}'],
    body: [
      'I was charged {amount} twice this month for the {plan} plan.',
      'Invoice {invoice} does not match what we agreed with your sales team.',
      'Our finance department needs a corrected invoice before the end of the quarter.',
      'The card on file expired and I cannot find where to update it in {product}.',
      'We downgraded to {plan} {days} ago but were still charged the old price.',
      'Can you send the invoice with our VAT number and company address in {country}?',
    ],
    tags: ['invoice', 'payment', 'double_charge', 'vat'],
  },
  login: {
    subjects: ['Cannot log in', 'Password reset email never arrives', 'Locked out of my account', '2FA code not accepted', 'SSO login loops back to the sign-in page', 'Account disabled?'],
    body: [
      'I have been unable to log in for {days}.',
      'The password reset email never arrives, and I checked the spam folder.',
      'After entering my two-factor code I get {error}.',
      'Logging in through SSO sends me back to the sign-in page in an endless loop.',
      'My colleague can log in fine, so it seems to be only my account.',
      'I changed my email address recently, maybe that is related.',
    ],
    tags: ['password', '2fa', 'sso', 'account_access'],
  },
  outage: {
    subjects: ['{product} is down', 'Production outage - {error}', 'Everything is extremely slow', 'Service unavailable for all our users', 'API returning {error} since this morning'],
    body: [
      '{product} has been returning {error} for all of our users since this morning.',
      'Our whole team is blocked and we are losing money every minute.',
      'Your status page says all systems are operational, which is clearly not true.',
      'We see timeouts on roughly half of the requests from our servers in {country}.',
      'Nothing changed on our side; it started around 09:00 UTC.',
    ],
    tags: ['outage', 'incident', 'performance'],
  },
  refund: {
    subjects: ['Refund request for order {order}', 'Please cancel and refund my subscription', 'Refund still not received', 'Requesting a refund for {amount}'],
    body: [
      'I would like a refund of {amount} for order {order}.',
      'I cancelled within the trial period and was still charged.',
      'You promised a refund {days} ago and it still has not arrived.',
      'Please refund to the original payment method.',
      'The product did not work as advertised for our use case.',
    ],
    tags: ['refund', 'cancellation', 'chargeback'],
  },
  angry: {
    subjects: ['This is unacceptable', 'Worst support experience ever', 'Third time asking - no answer', 'I want to speak to a manager NOW', 'Cancel my account immediately'],
    body: [
      'This is the third time I am writing about this and nobody has answered.',
      'I am extremely disappointed with the service.',
      'If this is not resolved today we will move to a competitor.',
      'Your chatbot keeps sending me the same useless article.',
      'I have been a customer for six years and have never been treated like this.',
      'Escalate this to a manager immediately.',
    ],
    tags: ['complaint', 'escalation', 'churn_risk'],
  },
  shipping: {
    subjects: ['Where is my order {order}?', 'Package arrived damaged', 'Wrong item delivered', 'Tracking number not working', 'Delivery to {country} delayed'],
    body: [
      'My order {order} was supposed to arrive {days} ago.',
      'The tracking number in the confirmation email shows "not found".',
      'The box arrived crushed and the device inside does not turn on.',
      'I received the wrong item: I ordered the blue one.',
      'Do you ship to {country}? The checkout page does not list it.',
    ],
    tags: ['delivery', 'tracking', 'damaged'],
  },
  bug: {
    subjects: ['Bug: {product} shows {error}', 'Export to CSV produces broken characters', 'Button does nothing on Safari', 'Data missing after the latest update', 'Dates shown in the wrong time zone'],
    body: [
      'When I open {product} I get {error}.',
      'Exported CSV files show Ã© instead of é in every name.',
      'Steps to reproduce: open the report, pick last month, click export.',
      'It worked fine before the update {days} ago.',
      'Times are shown in UTC even though my profile is set to Europe/Berlin.',
      'I attached a screenshot and the console log.',
    ],
    tags: ['bug', 'regression', 'export', 'browser'],
  },
  feature: {
    subjects: ['Feature request: {feature}', 'Any plans for {feature}?', 'Suggestion to improve {product}', 'Would love {feature}'],
    body: [
      'It would be great if {product} supported {feature}.',
      'Our team of 40 would upgrade to {plan} if this existed.',
      'A competitor already offers {feature}, so we are evaluating options.',
      'Is this on the roadmap, and is there a rough timeline?',
    ],
    tags: ['feature_request', 'feedback', 'roadmap'],
  },
  security: {
    subjects: ['Suspicious login from {country}', 'Possible account compromise', 'Phishing email pretending to be you', 'Security questionnaire for procurement', 'Please delete all my data (GDPR)'],
    body: [
      'I got a login alert from {country}, and that was not me.',
      'Someone changed the email address on our admin account.',
      'We received an email asking to "verify your billing details" from a lookalike domain.',
      'Under GDPR Article 17 I request deletion of all my personal data.',
      'Our security team needs your SOC 2 report before renewal.',
    ],
    tags: ['security', 'gdpr', 'phishing', 'account_takeover'],
  },
};
