import Sentiment from 'sentiment';
import type { TicketEvent } from '@ticketbridge/core';

/** An alert the example host raises on a ticket. */
export interface Alert {
  at: string;
  connectionId: string;
  platform: string;
  ticketId: string;
  subject: string;
  reasons: string[];
  /** The words that made the text hostile (AFINN lexicon and the host's extras), empty for other reasons. */
  words: string[];
  /** The AFINN score of the subject and description (negative: hostile). */
  score: number;
  /** The ticket on its platform, for people. */
  url: string | null;
  /** How the ticket arrived: `webhook`, `poll`, `csv`... */
  source: string;
}

/**
 * Support-specific words AFINN-165 scores mildly or not at all: what an angry customer writes to a helpdesk.
 * AFINN scores run from -5 to +5.
 */
const SUPPORT_EXTRAS: Record<string, number> = {
  unacceptable: -3,
  useless: -3,
  incompetent: -3,
  ridiculous: -3,
  pathetic: -3,
  lawyer: -3,
  lawsuit: -3,
  scam: -4,
  chargeback: -2,
  escalate: -2,
};

/**
 * Negative words aimed at the company or its people. AFINN scores how negative a text is, and a customer describing
 * a broken device ("damaged", "fails", "losing") is negative without being hostile: an alert needs one of these too.
 */
const AIMED_AT_US = new Set([
  'worst', 'useless', 'unacceptable', 'pathetic', 'incompetent', 'ridiculous', 'terrible', 'awful', 'horrible', 'disgusting',
  'disappointed', 'disappointing', 'furious', 'angry', 'outraged', 'hate', 'scam', 'fraud', 'lawyer', 'lawsuit', 'liar',
  'liars', 'shame', 'shameful', 'stupid', 'idiots', 'rude', 'ignored', 'unprofessional', 'joke', 'lousy',
]);

/** At or below this score a ticket's text is negative enough to alert someone (with a word from {@link AIMED_AT_US}). */
const HOSTILE_SCORE = -3;
/** Characters of subject + description analysed: the opening says how the customer feels, and the cost stays flat. */
const MAX_TEXT = 4_000;

const sentiment = new Sentiment();

/**
 * The host's own logic, standing in for "the service that analyses tickets": flag hostile wording (a negative
 * AFINN-165 score through the `sentiment` package, negation handled, with a word aimed at the company), escalations
 * to urgent, and reopened tickets.
 * It uses `event.changes`, so it needs no copy of its own of earlier versions.
 */
export function analyse(event: TicketEvent): Alert | undefined {
  const t = event.ticket;
  const reasons: string[] = [];
  let words: string[] = [];
  const text = `${t.subject}\n${t.description}`.slice(0, MAX_TEXT);
  const { score, negative } = sentiment.analyze(text, { extras: SUPPORT_EXTRAS });
  const aimed = negative.filter((w) => AIMED_AT_US.has(w));
  if (score <= HOSTILE_SCORE && aimed.length && event.type !== 'ticket.deleted') {
    words = [...new Set([...aimed, ...negative])];
    reasons.push(`hostile wording (score ${score}: ${words.join(', ')})`);
  }
  if (event.changes?.priority?.to === 'urgent') reasons.push(`priority ${event.changes.priority.from ?? 'none'} → urgent`);
  if (event.changes?.status && ['solved', 'closed'].includes(event.changes.status.from) && event.changes.status.to === 'open') reasons.push('reopened');
  if (!reasons.length) return undefined;
  return { at: event.receivedAt, connectionId: event.connectionId, platform: t.platform, ticketId: t.externalId, subject: t.subject, reasons, words, score, url: t.url, source: event.source };
}
