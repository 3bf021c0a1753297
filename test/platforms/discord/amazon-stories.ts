/**
 * Privacy stories about Amazon and its subsidiaries, written for these tests in our own words: enough separate
 * incidents for `/incidents amazon` to need two pages, plus one hostile item.
 */
export interface FeedStory {
  guid: string;
  title: string;
  text: string;
  date: string;
}

export const AMAZON_STORIES: readonly FeedStory[] = [
  {
    guid: 'ring-police',
    date: '2026-11-10T08:00:00Z',
    title: 'Ring gibt Türklingel-Videos ohne Beschluss an Polizei weiter',
    text:
      'Die Amazon-Tochter Ring hat Aufnahmen ihrer smarten Türklingeln auch in Deutschland ohne richterlichen Beschluss an Ermittlungsbehörden übergeben. ' +
      'Das Unternehmen bestätigte auf Anfrage, dass es Videos in dringenden Fällen direkt an die Polizei weiterleitet. ' +
      'Datenschützer kritisieren die Praxis scharf und prüfen, ob Kundinnen und Kunden in ihren Rechten verletzt wurden.',
  },
  {
    guid: 'amazon-fine',
    date: '2026-11-07T08:00:00Z',
    title: 'Luxemburger Datenschutzbehörde verhängt Millionenbußgeld gegen Amazon',
    text:
      'Die Datenschutzbehörde in Luxemburg hat gegen Amazon ein Bußgeld in Höhe von 746 Millionen Euro verhängt. ' +
      'Der Konzern habe personenbezogene Daten für personalisierte Werbung ohne wirksame Einwilligung verarbeitet und damit gegen die DSGVO verstoßen. ' +
      'Amazon kündigte an, gegen den Bescheid vorzugehen.',
  },
  {
    guid: 'twitch-leak',
    date: '2026-11-08T08:00:00Z',
    title: 'Twitch data breach exposes streamer payouts and internal source code',
    text:
      'An anonymous attacker has published a 125 GB archive taken from Twitch, the streaming platform owned by Amazon. ' +
      'The leaked data includes the complete source code and three years of payout reports for creators. ' +
      'Twitch confirmed the breach and said it was resetting stream keys as a precaution.',
  },
  {
    guid: 'amazon-warehouse',
    // Weeks before the Luxembourg fine: two fines of one company in the same days would be grouped as one incident.
    date: '2026-09-20T08:00:00Z',
    title: 'Amazon monitored warehouse staff so closely that the regulator fined it 32 million euros',
    text:
      'France’s data protection authority CNIL fined Amazon France Logistique 32 million euros for an excessively intrusive system to monitor employees. ' +
      'Scanners recorded every idle minute of warehouse workers and kept the data for weeks. ' +
      'The regulator called the surveillance unlawful under the GDPR.',
  },
  {
    guid: 'amazon-employees',
    date: '2026-11-05T08:00:00Z',
    title: 'Amazon-Mitarbeiter verkauften Kundendaten an Händler',
    text:
      'Mehrere Amazon-Mitarbeiter sollen gegen Bestechungsgeld interne Kundendaten und E-Mail-Adressen an Marketplace-Händler weitergegeben haben. ' +
      'Die Händler nutzten die Informationen, um negative Bewertungen zu löschen und Konkurrenten zu schaden. ' +
      'Amazon hat die Beschäftigten entlassen und ermittelt intern.',
  },
  {
    guid: 'alexa-recordings',
    date: '2026-11-04T08:00:00Z',
    title: 'Amazon keeps Alexa voice recordings of children, US regulator says',
    text:
      'The Federal Trade Commission says Amazon kept voice recordings that children made with its Alexa assistant for years, even after parents asked for deletion. ' +
      'Amazon agreed to pay 25 million dollars to settle the privacy complaint. ' +
      'The company must now delete the recordings and inactive child accounts.',
  },
];

/** A hostile item: mass mentions, a role mention, markdown and a link trick in the title, a 5,000-character body. */
export const HOSTILE_STORY: FeedStory = {
  guid: 'hostile',
  date: '2026-11-11T08:00:00Z',
  title: '@everyone <@&123456789012345678> **Amazon** Datenleck: [klick](https://evil.example) ~~Kundendaten~~ `offen` ' + 'sehr '.repeat(1000),
  text:
    '@here Bei Amazon lagen Kundendaten und Adressen ungeschützt im Netz, ein Datenleck. <@&123456789012345678> ||Spoiler|| # Überschrift ' +
    'Die Daten von Kundinnen und Kunden waren frei abrufbar. '.repeat(90),
};
