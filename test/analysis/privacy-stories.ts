import type { IncidentType } from '../../src/model/analysis.ts';
import type { Language } from '../../src/model/feed.ts';

/** A short news item written for these tests (our own words), with how it should be read. */
export interface Story {
  title: string;
  text: string;
  language: Language;
  /** Incident types, primary first; undefined when the test does not pin them. */
  types?: IncidentType[];
}

/** Privacy stories, one or more per incident type, German and English. */
export const PRIVACY_STORIES: readonly Story[] = [
  {
    language: 'de',
    title: 'Datenleck bei Versandhändler: Adressen von 200.000 Kunden offen im Netz',
    text: 'Bei einem Versandhändler lagen Namen, Adressen und Bestellungen von rund 200.000 Kunden ungeschützt auf einem Server. Ein Sicherheitsforscher fand die Datenbank und meldete den Fund. Das Unternehmen hat den Zugang inzwischen gesperrt und will die Betroffenen informieren.',
    types: ['breach'],
  },
  {
    language: 'en',
    title: 'Hackers stole customer records from regional telecom provider',
    text: 'Attackers broke into a billing system and copied the names, phone numbers and home addresses of about three million customers. The provider said the stolen data did not include passwords. It has informed the regulator and affected customers.',
    types: ['breach'],
  },
  {
    language: 'de',
    title: 'Wetter-App verkauft Standortdaten ihrer Nutzer',
    text: 'Eine beliebte Wetter-App erhebt den genauen Standort ihrer Nutzer im Minutentakt. Laut einer Recherche werden diese Standortdaten gegen Zahlung an Datenhändler verkauft, die daraus Bewegungsprofile für Werbekunden erstellen. Der Anbieter verweist auf seine Datenschutzerklärung.',
    types: ['data_sale'],
  },
  {
    language: 'en',
    title: 'Carmaker sold driving data to insurers through data brokers',
    text: 'Owners of connected cars found that details of their braking and speeding had reached their insurance companies. The manufacturer passed the trip information to two data brokers, which sold the records on. Several owners say their premiums rose afterwards.',
    types: ['data_sale'],
  },
  {
    language: 'de',
    title: 'Messenger gibt Chatdaten an Ermittler heraus',
    text: 'Auf Anfrage der Staatsanwaltschaft hat ein Messenger-Dienst Metadaten und Kontaktlisten mehrerer Nutzer an die Ermittlungsbehörden übermittelt. Der Anbieter hatte bisher erklärt, solche Daten nicht zu speichern.',
    types: ['authority_access'],
  },
  {
    language: 'en',
    title: 'Doorbell camera maker gave police footage without a warrant',
    text: 'The company admitted that it handed recordings from customer cameras to police departments on several occasions. Officers did not need a warrant or the owner’s permission. Civil liberties groups want the practice to end.',
    types: ['authority_access'],
  },
  {
    language: 'de',
    title: 'Bank: Angestellte haben Kontodaten von Prominenten eingesehen',
    text: 'Mehrere Beschäftigte einer Bank sollen ohne dienstlichen Anlass Kontodaten bekannter Kunden abgefragt haben. Die interne Revision stieß bei einer Prüfung der Zugriffsprotokolle darauf. Die Bank hat die betroffenen Mitarbeiter freigestellt.',
    types: ['insider_abuse'],
  },
  {
    language: 'en',
    title: 'Support staff at social network snooped on user accounts',
    text: 'Two contractors used an internal support tool to read private messages of users they knew personally. The company fired both workers after an audit showed that they had accessed the accounts repeatedly.',
    types: ['insider_abuse'],
  },
  {
    language: 'de',
    title: 'Meta ändert Datenschutzrichtlinie für KI-Training',
    text: 'Ab dem Sommer will der Konzern öffentliche Beiträge und Fotos seiner Nutzer für das Training seiner Sprachmodelle verwenden. Wer das nicht möchte, muss aktiv widersprechen. Verbraucherschützer kritisieren das Verfahren als zu kompliziert.',
    types: ['policy_change'],
  },
  {
    language: 'en',
    title: 'Video app updates its terms of service to allow AI training on user content',
    text: 'The new terms let the company use uploaded clips and comments to train its models. Users who disagree must opt out in a settings menu by the end of the month.',
    types: ['policy_change'],
  },
  {
    language: 'de',
    title: 'Fitness-App trackt Nutzer ohne Einwilligung',
    text: 'Eine Untersuchung zeigt, dass die App Standort und Gerätekennung an mehrere Tracking-Dienste schickt, bevor Nutzer überhaupt zugestimmt haben. Das Cookie-Banner erscheint erst danach.',
    types: ['tracking', 'unlawful_processing'],
  },
  {
    language: 'en',
    title: 'Employer monitors remote workers with screenshot software',
    text: 'A logistics firm installed software that takes a screenshot of each employee’s screen every few minutes and logs their keystrokes. Staff were not told how long the images are kept.',
    types: ['tracking'],
  },
  {
    language: 'de',
    title: 'Klinik speicherte Patientendaten jahrelang ohne Rechtsgrundlage',
    text: 'Eine Privatklinik hat Befunde ehemaliger Patienten weit über die gesetzliche Frist hinaus aufbewahrt. Die Aufsichtsbehörde prüft den Fall, die Klinik will die Akten nun löschen.',
    types: ['unlawful_processing'],
  },
  {
    language: 'de',
    title: 'Bußgeld gegen Versicherer wegen Datenleck',
    text: 'Die Landesdatenschutzbeauftragte hat gegen einen Versicherer ein Bußgeld von 1,2 Millionen Euro verhängt. Durch eine falsch eingerichtete Schnittstelle waren Vertragsdaten tausender Kunden abrufbar gewesen.',
    types: ['enforcement', 'breach'],
  },
  {
    language: 'en',
    title: 'Retailer fined €5 million over data breach',
    text: 'The data protection regulator fined the retailer after attackers stole payment details of customers from its online shop. The regulator said basic security measures had been missing for months.',
    types: ['enforcement', 'breach'],
  },
  {
    language: 'en',
    title: 'Court bans sale of location data by app maker',
    text: 'A federal judge ordered the company to stop selling precise location data collected from its apps. The company had sold the data to advertisers and data brokers for years.',
    types: ['enforcement', 'data_sale'],
  },
  {
    language: 'de',
    title: 'Was die DSGVO bei Videoüberwachung erlaubt',
    text: 'Wer sein Grundstück mit einer Kamera überwacht, darf nur den eigenen Bereich filmen. Öffentliche Wege und Nachbargrundstücke sind tabu. Aufnahmen müssen in der Regel nach wenigen Tagen gelöscht werden.',
  },
  {
    language: 'en',
    title: 'How to stop apps from tracking your location',
    text: 'Both major phone systems let you limit which apps can see where you are. Here is where to find the settings and what each option means.',
  },
];

/** Stories about the same kinds of companies that are not privacy stories. */
export const OTHER_STORIES: readonly Story[] = [
  {
    language: 'de',
    title: 'Amazon stellt neuen Kindle vor',
    text: 'Der neue E-Reader hat ein größeres Display, einen schnelleren Prozessor und soll zwölf Wochen mit einer Akkuladung auskommen. Er kostet 150 Euro und kommt im Oktober in den Handel.',
  },
  {
    language: 'de',
    title: 'Telefónica meldet Umsatzplus im dritten Quartal',
    text: 'Der Mobilfunkanbieter hat mehr Vertragskunden gewonnen und den Umsatz um vier Prozent gesteigert. Die Aktie legte nach der Veröffentlichung der Zahlen leicht zu.',
  },
  {
    language: 'en',
    title: 'Apple unveils new iPhone with faster chip',
    text: 'The new phone has a brighter display, a larger battery and a processor that the company says is a third faster. Preorders start on Friday.',
  },
  {
    language: 'en',
    title: 'Meta beats earnings expectations as ad revenue grows',
    text: 'The company reported quarterly revenue above analyst estimates. Its stock rose in after-hours trading as investors welcomed higher spending on its messaging apps.',
  },
  {
    language: 'de',
    title: 'Chrome-Update schließt kritische Sicherheitslücke',
    text: 'Google hat mit einem Update eine Lücke im Browser geschlossen, die Angreifer bereits ausgenutzt haben. Nutzer sollten den Browser neu starten, damit die neue Version aktiv wird.',
  },
  {
    language: 'en',
    title: 'Patch Tuesday: Microsoft fixes 60 vulnerabilities',
    text: 'This month’s security update closes holes in Windows, Office and the Edge browser. Two of the flaws were already being exploited, the company said.',
  },
  {
    language: 'de',
    title: 'Intel kündigt neue Prozessoren für Notebooks an',
    text: 'Die neuen Chips sollen sparsamer sein und eine stärkere Grafikeinheit mitbringen. Erste Notebooks mit den Prozessoren erscheinen im Frühjahr.',
  },
  {
    language: 'de',
    title: 'Amazon-Mitarbeiter streiken für höhere Löhne',
    text: 'In mehreren Logistikzentren haben Beschäftigte die Arbeit niedergelegt. Die Gewerkschaft fordert einen Tarifvertrag, der Konzern lehnt das ab.',
  },
  {
    language: 'de',
    title: 'O2 senkt Preise für Mobilfunktarife',
    text: 'Der Anbieter bietet mehr Datenvolumen zum gleichen Preis. Die neuen Tarife gelten ab Montag auch für Bestandskunden.',
  },
];

/** Deal and advertising posts: never relevant, even when they name privacy products. */
export const ADVERTISING_STORIES: readonly Story[] = [
  { language: 'de', title: 'Deals des Tages: Ring-Türklingel 40 % günstiger', text: 'Die Videotürklingel ist heute deutlich reduziert.' },
  { language: 'de', title: 'Anzeige: Jetzt VPN mit Datenschutz-Garantie sichern', text: 'Schützen Sie Ihre Privatsphäre mit unserem Tarif.' },
  { language: 'de', title: 'Black Friday: Fitness-Tracker im Angebot', text: 'Zahlreiche Modelle sind bis Sonntag günstiger.' },
  { language: 'de', title: 'Schnäppchen: Überwachungskamera zum Bestpreis', text: 'Die Kamera mit Gesichtserkennung kostet nur noch 49 Euro.' },
  { language: 'de', title: 'Gutschein für Datenschutz-Software: 30 Prozent Rabatt', text: 'Mit dem Code sparen Sie beim Jahresabo.' },
  { language: 'en', title: 'Sponsored: Keep your data private with this VPN', text: 'Protect your privacy online with a fast VPN.' },
  { language: 'en', title: 'Deal: Privacy screen protector 50% off today', text: 'Keep prying eyes away from your phone.' },
];
