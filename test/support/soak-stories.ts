/**
 * Story templates for the soak simulation, written for it in our own words: privacy incidents of every type in
 * German and English, each in a few wordings so that two outlets reporting one event say it differently (and
 * grouping has to find that they mean the same thing), and everyday tech news that is not about privacy.
 *
 * Facts are drawn once per event (company, numbers, the kind of data, the authority) and every report of that
 * event uses the same facts, the way real outlets repeat the figures of one press release.
 */
import type { IncidentType } from '../../src/model/analysis.ts';
import type { Language } from '../../src/model/feed.ts';

/** What every report of one privacy event shares. */
export interface StoryFacts {
  /** The company's display name, or a generic actor ("ein Versandhändler") for stories without a known company. */
  company: { de: string; en: string };
  type: StoryType;
  /** People affected. */
  affected: number;
  /** A fine, in millions of euros. */
  millions: number;
  /** Index into DATA_KINDS and AUTHORITIES: the same for every report of the event. */
  dataKind: number;
  authority: number;
}

/** The incident types the templates tell (unlawful processing appears inside the enforcement stories). */
export type StoryType = Exclude<IncidentType, 'unlawful_processing'>;

export const STORY_TYPES: readonly StoryType[] = ['breach', 'data_sale', 'authority_access', 'insider_abuse', 'policy_change', 'tracking', 'enforcement'];

const DATA_KINDS: readonly { de: string; en: string }[] = [
  { de: 'Namen, E-Mail-Adressen und Telefonnummern', en: 'names, email addresses and phone numbers' },
  { de: 'Adressen und Bestellhistorien', en: 'home addresses and order histories' },
  { de: 'genaue Standortdaten', en: 'precise location data' },
  { de: 'Zahlungsdaten und Kontonummern', en: 'payment details and account numbers' },
  { de: 'Gesundheitsdaten', en: 'health records' },
  { de: 'private Nachrichten und Kontaktlisten', en: 'private messages and contact lists' },
];

const AUTHORITIES: readonly { de: string; en: string }[] = [
  { de: 'die irische Datenschutzbehörde', en: 'the Irish Data Protection Commission' },
  { de: 'der Hamburger Datenschutzbeauftragte', en: 'the Hamburg data protection commissioner' },
  { de: 'die französische Aufsicht CNIL', en: 'the French regulator CNIL' },
  { de: 'die niederländische Datenschutzbehörde', en: 'the Dutch data protection authority' },
  { de: 'der Bundesdatenschutzbeauftragte', en: 'the German federal data protection commissioner' },
];

/** Actors for privacy stories that name no company the gazetteer knows. */
export const GENERIC_ACTORS: readonly { de: string; en: string }[] = [
  { de: 'Ein Versandhändler', en: 'An online retailer' },
  { de: 'Ein Klinikverbund', en: 'A hospital group' },
  { de: 'Eine Stadtverwaltung', en: 'A city council' },
  { de: 'Ein Vergleichsportal', en: 'A price comparison site' },
  { de: 'Ein Schulsoftware-Anbieter', en: 'A school software vendor' },
];

function count(n: number, language: Language): string {
  return n.toLocaleString(language === 'de' ? 'de-DE' : 'en-GB');
}

function money(millions: number, language: Language): string {
  return language === 'de' ? `${count(millions, 'de')} Millionen Euro` : `${count(millions, 'en')} million euros`;
}

/** One wording of a story: title and body from the facts. */
type Wording = (facts: StoryFacts, actor: string) => { title: string; text: string };

const GERMAN: Record<StoryType, readonly Wording[]> = {
  breach: [
    (f, a) => ({
      title: `Datenleck bei ${a}: ${count(f.affected, 'de')} Kunden betroffen`,
      text:
        `Bei ${a} lagen ${DATA_KINDS[f.dataKind]!.de} von rund ${count(f.affected, 'de')} Kunden ungeschützt im Netz. ` +
        'Ein Sicherheitsforscher fand die offene Datenbank und meldete den Fund. ' +
        `Das Unternehmen hat den Zugang gesperrt und will die Betroffenen informieren; ${AUTHORITIES[f.authority]!.de} prüft den Vorfall.`,
    }),
    (f, a) => ({
      title: `Hackerangriff: Angreifer erbeuten Daten von ${count(f.affected, 'de')} Nutzern bei ${a}`,
      text:
        `Unbekannte sind in die Systeme von ${a} eingedrungen und haben ${DATA_KINDS[f.dataKind]!.de} kopiert. ` +
        `Nach Angaben des Unternehmens sind etwa ${count(f.affected, 'de')} Konten betroffen. ` +
        'Passwörter seien nicht abgeflossen, die Kunden sollen dennoch wachsam sein. Der Datenschutzvorfall wurde der Aufsicht gemeldet.',
    }),
  ],
  data_sale: [
    (f, a) => ({
      title: `${a} soll ${DATA_KINDS[f.dataKind]!.de} an Datenhändler verkauft haben`,
      text:
        `Laut einer Recherche hat ${a} ${DATA_KINDS[f.dataKind]!.de} von ${count(f.affected, 'de')} Nutzern gegen Geld an Datenhändler weitergegeben. ` +
        'Die Händler erstellten daraus Profile für Werbekunden. Datenschützer sprechen von einem klaren Verstoß gegen die DSGVO.',
    }),
  ],
  authority_access: [
    (f, a) => ({
      title: `${a} gab Nutzerdaten ohne Beschluss an die Polizei`,
      text:
        `${a} hat nach eigenen Angaben in ${count(Math.max(2, Math.round(f.affected / 1000)), 'de')} Fällen ${DATA_KINDS[f.dataKind]!.de} an Ermittlungsbehörden übermittelt, ohne dass ein richterlicher Beschluss vorlag. ` +
        'Bürgerrechtler kritisieren die Praxis und fordern, dass Behörden für solche Datenabfragen eine Anordnung brauchen.',
    }),
  ],
  insider_abuse: [
    (f, a) => ({
      title: `Mitarbeiter von ${a} schnüffelten in Kundendaten`,
      text:
        `Mehrere Beschäftigte von ${a} sollen ohne dienstlichen Anlass ${DATA_KINDS[f.dataKind]!.de} von Kunden abgerufen haben. ` +
        `Die interne Revision fand ${count(Math.max(3, Math.round(f.affected / 500)), 'de')} unberechtigte Zugriffe in den Protokollen. ` +
        'Das Unternehmen hat die Mitarbeiter freigestellt und den Datenschutzbeauftragten eingeschaltet.',
    }),
  ],
  policy_change: [
    (f, a) => ({
      title: `${a} ändert Datenschutzerklärung: Nutzerdaten für KI-Training`,
      text:
        `${a} will künftig ${DATA_KINDS[f.dataKind]!.de} seiner Nutzer für das Training von KI-Modellen verwenden. ` +
        'Wer das nicht möchte, muss bis Monatsende widersprechen. Verbraucherschützer halten das Widerspruchsverfahren für zu kompliziert und verlangen eine Einwilligung.',
    }),
  ],
  tracking: [
    (f, a) => ({
      title: `App von ${a} trackt Nutzer ohne Einwilligung`,
      text:
        `Eine Untersuchung zeigt, dass die App von ${a} ${DATA_KINDS[f.dataKind]!.de} und Gerätekennungen an ${count(Math.max(4, f.dataKind + 5), 'de')} Tracking-Dienste schickt, bevor Nutzer zugestimmt haben. ` +
        'Das Cookie-Banner erscheint erst danach. Datenschützer sehen darin einen Verstoß gegen die DSGVO.',
    }),
  ],
  enforcement: [
    (f, a) => ({
      title: `Bußgeld: ${a} muss ${money(f.millions, 'de')} zahlen`,
      text:
        `${AUTHORITIES[f.authority]!.de.replace(/^d/, 'D')} hat gegen ${a} ein Bußgeld von ${money(f.millions, 'de')} verhängt. ` +
        `Das Unternehmen habe ${DATA_KINDS[f.dataKind]!.de} ohne Rechtsgrundlage verarbeitet und damit gegen die DSGVO verstoßen. ` +
        `${a} kündigte an, gegen den Bescheid vorzugehen.`,
    }),
    (f, a) => ({
      title: `Datenschutzbehörde verhängt Millionenstrafe gegen ${a}`,
      text:
        `Wegen unrechtmäßiger Verarbeitung personenbezogener Daten soll ${a} ${money(f.millions, 'de')} zahlen. ` +
        `Betroffen waren ${DATA_KINDS[f.dataKind]!.de} von etwa ${count(f.affected, 'de')} Menschen. Die Entscheidung ist noch nicht rechtskräftig.`,
    }),
  ],
};

const ENGLISH: Record<StoryType, readonly Wording[]> = {
  breach: [
    (f, a) => ({
      title: `${a} data breach exposes ${count(f.affected, 'en')} customers`,
      text:
        `${DATA_KINDS[f.dataKind]!.en.replace(/^./, (c) => c.toUpperCase())} of about ${count(f.affected, 'en')} customers of ${a} sat in an unprotected database. ` +
        'A security researcher found the leak and reported it. ' +
        `The company has closed the access and says it will notify those affected; ${AUTHORITIES[f.authority]!.en} is looking into the breach.`,
    }),
    (f, a) => ({
      title: `Hackers stole records of ${count(f.affected, 'en')} users from ${a}`,
      text:
        `Attackers broke into systems at ${a} and copied ${DATA_KINDS[f.dataKind]!.en}. ` +
        `The company said around ${count(f.affected, 'en')} accounts were affected and that passwords were not taken. ` +
        'It has reported the data breach to the regulator.',
    }),
  ],
  data_sale: [
    (f, a) => ({
      title: `${a} sold ${DATA_KINDS[f.dataKind]!.en} to data brokers, report says`,
      text:
        `An investigation found that ${a} passed ${DATA_KINDS[f.dataKind]!.en} of ${count(f.affected, 'en')} users to data brokers for money. ` +
        'The brokers built advertising profiles from the records. Privacy advocates say the sale breaks the GDPR.',
    }),
  ],
  authority_access: [
    (f, a) => ({
      title: `${a} handed user data to police without a warrant`,
      text:
        `${a} admitted that it gave ${DATA_KINDS[f.dataKind]!.en} to law enforcement in ${count(Math.max(2, Math.round(f.affected / 1000)), 'en')} cases without a court order. ` +
        'Civil liberties groups want the practice to end and demand that police need a warrant for such requests.',
    }),
  ],
  insider_abuse: [
    (f, a) => ({
      title: `Employees at ${a} snooped on customer data`,
      text:
        `Several staff members at ${a} looked up ${DATA_KINDS[f.dataKind]!.en} of customers without any business reason. ` +
        `An internal audit found ${count(Math.max(3, Math.round(f.affected / 500)), 'en')} unauthorised look-ups in the access logs. ` +
        'The company suspended the employees and informed its data protection officer.',
    }),
  ],
  policy_change: [
    (f, a) => ({
      title: `${a} changes its privacy policy to train AI on user data`,
      text:
        `${a} plans to use ${DATA_KINDS[f.dataKind]!.en} of its users to train AI models. ` +
        'Users who object must opt out by the end of the month. Consumer groups say the opt-out is too hard to find and call for consent instead.',
    }),
  ],
  tracking: [
    (f, a) => ({
      title: `${a} app tracks users without consent`,
      text:
        `Researchers found that the ${a} app sends ${DATA_KINDS[f.dataKind]!.en} and device identifiers to ${count(Math.max(4, f.dataKind + 5), 'en')} tracking services before users agree. ` +
        'The consent banner only appears afterwards. Privacy experts say this breaks the GDPR.',
    }),
  ],
  enforcement: [
    (f, a) => ({
      title: `${a} fined ${money(f.millions, 'en')} over unlawful data processing`,
      text:
        `${AUTHORITIES[f.authority]!.en.replace(/^t/, 'T')} fined ${a} ${money(f.millions, 'en')}. ` +
        `The company processed ${DATA_KINDS[f.dataKind]!.en} without a legal basis, in breach of the GDPR. ` +
        `${a} said it would appeal the decision.`,
    }),
    (f, a) => ({
      title: `Regulator hits ${a} with a ${money(f.millions, 'en')} GDPR fine`,
      text:
        `${a} must pay ${money(f.millions, 'en')} for processing personal data unlawfully. ` +
        `The case concerned ${DATA_KINDS[f.dataKind]!.en} of about ${count(f.affected, 'en')} people. The decision can still be appealed.`,
    }),
  ],
};

/** A report of a privacy event in one language; `wording` picks among the type's wordings (outlets differ). */
export function privacyStory(facts: StoryFacts, language: Language, wording: number): { title: string; text: string } {
  const wordings = (language === 'de' ? GERMAN : ENGLISH)[facts.type];
  const write = wordings[wording % wordings.length]!;
  return write(facts, facts.company[language]);
}

/** Everyday tech news without a privacy angle, numbered so that titles differ. */
const GENERAL_DE: readonly ((n: number, company: string) => { title: string; text: string })[] = [
  (n, c) => ({
    title: `${c} stellt neues Smartphone mit ${4000 + (n % 9) * 250} mAh Akku vor`,
    text: `Das Gerät kommt im Frühjahr in den Handel. ${c} verspricht eine längere Laufzeit und eine bessere Kamera. Der Preis soll bei ${499 + (n % 5) * 100} Euro liegen.`,
  }),
  (n) => ({
    title: `Raumfahrt: Sonde erreicht nach ${3 + (n % 6)} Jahren ihr Ziel`,
    text: `Die Sonde hat nach langer Reise die Umlaufbahn erreicht und sendet erste Bilder. Die Mission soll ${2 + (n % 4)} Jahre dauern und die Oberfläche vermessen.`,
  }),
  (n, c) => ({
    title: `${c} meldet Umsatzplus von ${2 + (n % 11)} Prozent`,
    text: `Im abgelaufenen Quartal stieg der Umsatz deutlich. ${c} begründet das mit einer starken Nachfrage im Weihnachtsgeschäft und hebt die Prognose für das Gesamtjahr an.`,
  }),
  (n) => ({
    title: `Glasfaserausbau: ${10 + (n % 40)} weitere Gemeinden angeschlossen`,
    text: 'Der Ausbau des schnellen Internets kommt voran. Die Netzbetreiber wollen bis zum Jahresende weitere Haushalte versorgen, der Ausbau auf dem Land bleibt aber schwierig.',
  }),
  (n) => ({
    title: `Test: ${5 + (n % 7)} Staubsaugerroboter im Vergleich`,
    text: 'Wir haben aktuelle Saugroboter in einer Testwohnung antreten lassen. Die Unterschiede bei Saugleistung, Lautstärke und Akkulaufzeit sind groß, der Preis sagt wenig über die Qualität.',
  }),
];

const GENERAL_EN: readonly ((n: number, company: string) => { title: string; text: string })[] = [
  (n, c) => ({
    title: `${c} unveils a laptop with ${12 + (n % 12)} hours of battery life`,
    text: `The new model ships next month. ${c} says the chip is faster and the screen brighter. It will cost ${999 + (n % 4) * 200} dollars in the base configuration.`,
  }),
  (n) => ({
    title: `Rocket launch puts ${20 + (n % 30)} satellites into orbit`,
    text: 'The launch went as planned and all satellites separated from the upper stage. The operator wants to expand its network over the next two years.',
  }),
  (n, c) => ({
    title: `${c} quarterly revenue rises ${2 + (n % 13)} percent`,
    text: `${c} beat analyst expectations thanks to strong demand for its cloud services. The company raised its outlook for the full year.`,
  }),
  (n) => ({
    title: `Open source database ${n % 3 === 0 ? 'gets' : 'adds'} faster queries in version ${3 + (n % 5)}.${n % 10}`,
    text: 'The release improves the query planner and cuts memory use. Upgrading is straightforward, the maintainers say, and older versions get security fixes for another year.',
  }),
  (n) => ({
    title: `Review: ${4 + (n % 6)} budget headphones compared`,
    text: 'We tested affordable headphones for sound, comfort and battery life. The winner costs less than fifty dollars, while a more expensive pair disappointed.',
  }),
];

/** Companies that appear in everyday news (not privacy stories). */
const NEWS_COMPANIES = ['Samsung', 'Siemens', 'Bosch', 'Lenovo', 'Sony', 'Netflix', 'Spotify'];

/** Everyday tech news, `n` varying the wording and numbers. */
export function generalStory(language: Language, n: number): { title: string; text: string } {
  const templates = language === 'de' ? GENERAL_DE : GENERAL_EN;
  return templates[n % templates.length]!(n, NEWS_COMPANIES[Math.floor(n / templates.length) % NEWS_COMPANIES.length]!);
}

/** How many entries DATA_KINDS and AUTHORITIES hold (facts index into them). */
export const FACT_CHOICES = { dataKinds: DATA_KINDS.length, authorities: AUTHORITIES.length } as const;
