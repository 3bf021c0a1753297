import type { ChannelMessage, Reply } from '../../chat/command.ts';
import { formatInvocation } from '../../chat/format-invocation.ts';
import type { Card } from '../../model/card.ts';
import type { Language } from '../../model/feed.ts';
import { cardText } from './card-html.ts';
import { escapeHtml, neutraliseMentions } from './escape-html.ts';

/** The content of an `m.room.message` the bot sends: always a notice, always with an empty `m.mentions`. */
export interface NoticeContent {
  msgtype: 'm.notice';
  body: string;
  format: 'org.matrix.custom.html';
  formatted_body: string;
  'm.mentions': Record<string, never>;
  'm.relates_to'?: Record<string, unknown>;
}

/**
 * A command's reply as a Matrix notice. Buttons become the text commands they stand for ("Next page:
 * `!incidents amazon --page 2`"), since Matrix has no buttons; disabled ones are left out.
 */
export function replyContent(reply: Reply, language: Language, prefix: string): NoticeContent {
  const hints = (reply.actions ?? [])
    .filter((action) => !action.disabled)
    .map((action) => ({ label: action.label, command: formatInvocation(action.invocation, prefix) }));
  return notice(reply.title, reply.lines, reply.cards ?? [], language, hints);
}

/** A message the bot posts on its own (a digest): one notice with a list of cards. */
export function channelContent(message: ChannelMessage): NoticeContent {
  return notice(message.title, message.lines, message.cards, message.language, [], message.sections);
}

function notice(
  title: string | undefined,
  lines: readonly string[],
  cards: readonly Card[],
  language: Language,
  hints: { label: string; command: string }[],
  sections: readonly { heading: string; size: number }[] = [],
): NoticeContent {
  const rendered = cards.map((card) => cardText(card, language));
  // Consecutive runs of cards, each under its heading (a grouped digest), or one list without a heading.
  const runs: { heading?: string; cards: typeof rendered }[] = [];
  let first = 0;
  for (const section of sections) {
    runs.push({ heading: section.heading, cards: rendered.slice(first, first + section.size) });
    first += section.size;
  }
  if (first < rendered.length) runs.push({ cards: rendered.slice(first) });
  const plain = [
    ...(title ? [neutraliseMentions(title)] : []),
    ...lines.map(neutraliseMentions),
    ...runs.flatMap((run) => [...(run.heading ? [`\n${neutraliseMentions(run.heading)}:`] : []), ...run.cards.map((card) => `\n${card.plain}`)]),
    ...hints.map((hint) => `${neutraliseMentions(hint.label)}: ${neutraliseMentions(hint.command)}`),
  ];
  const html = [
    ...(title ? [`<p><b>${escapeHtml(title)}</b></p>`] : []),
    ...(lines.length > 0 ? [`<p>${lines.map(escapeHtml).join('<br>')}</p>`] : []),
    ...runs
      .filter((run) => run.cards.length > 0)
      .map((run) => `${run.heading ? `<h4>${escapeHtml(run.heading)}</h4>` : ''}<ul>${run.cards.map((card) => `<li>${card.html}</li>`).join('')}</ul>`),
    ...(hints.length > 0 ? [`<p>${hints.map((hint) => `${escapeHtml(hint.label)}: <code>${escapeHtml(hint.command)}</code>`).join('<br>')}</p>`] : []),
  ];
  return {
    msgtype: 'm.notice',
    body: plain.join('\n').trim() || '…',
    format: 'org.matrix.custom.html',
    formatted_body: html.join(''),
    'm.mentions': {},
  };
}
