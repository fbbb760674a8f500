"""UI strings of the report in the three languages.

Chapter titles, table headers and status words come from the project's string table (``citybank.i18n``, one
source of truth shared with the notebooks): ``I18N_KEYS`` maps the renderer's keys to it, and its dotted keys
(``availability.reported``) are used as given. ``FALLBACK`` holds only the
strings the renderer alone uses (cover, navigation, failure pages).
"""

from __future__ import annotations

from ..i18n import t as i18n_t

FALLBACK: dict[str, dict[str, str]] = {
    "report_title": {
        "pl": "Raport monitoringowy",
        "en": "Annual monitoring report",
        "de": "Jährlicher Monitoringbericht",
    },
    "language_name": {"pl": "polski", "en": "English", "de": "Deutsch"},
    "chapters": {"pl": "Rozdziały", "en": "Chapters", "de": "Kapitel"},
    "iso_overview": {
        "pl": "ISO 37120 – przegląd wskaźników",
        "en": "ISO 37120 – indicator overview",
        "de": "ISO 37120 – Indikatorenübersicht",
    },
    "sample_notice": {
        "pl": "Dane przykładowe: ten raport zbudowano na wygenerowanym zbiorze przykładowym, a nie na danych "
        "dostawców. Liczby nie opisują rzeczywistego miasta.",
        "en": "Sample data: this report was built from the bundled, generated sample data set, not from the "
        "providers' data. The figures do not describe the real city.",
        "de": "Beispieldaten: Dieser Bericht wurde aus dem mitgelieferten, generierten Beispieldatensatz erstellt, "
        "nicht aus den Daten der Lieferanten. Die Zahlen beschreiben nicht die reale Stadt.",
    },
    "missing_chapter": {
        "pl": "Tego rozdziału nie udało się zbudować",
        "en": "This chapter could not be built",
        "de": "Dieses Kapitel konnte nicht erstellt werden",
    },
    "missing_notebook": {
        "pl": "Brak wykonanego notatnika {path}. Uruchom `citybank build --year {year}` i sprawdź jego raport błędów.",
        "en": "The executed notebook {path} is missing. Run `citybank build --year {year}` and read its failures.",
        "de": "Das ausgeführte Notebook {path} fehlt. Führen Sie `citybank build --year {year}` aus und prüfen "
        "Sie dessen Fehlerliste.",
    },
    "broken_notebook": {
        "pl": "Notatnik {path} nie jest poprawnym plikiem .ipynb: {error}",
        "en": "The notebook {path} is not a valid .ipynb file: {error}",
        "de": "Das Notebook {path} ist keine gültige .ipynb-Datei: {error}",
    },
    "missing_file": {
        "pl": "Brak pliku {path}. Uruchom `citybank ingest --year {year}`.",
        "en": "The file {path} is missing. Run `citybank ingest --year {year}`.",
        "de": "Die Datei {path} fehlt. Führen Sie `citybank ingest --year {year}` aus.",
    },
    "no_downloads": {
        "pl": "Nie opublikowano jeszcze danych dla tego roku ({path}). Uruchom `citybank publish --year {year}`.",
        "en": "No data have been published for this year yet ({path}). Run `citybank publish --year {year}`.",
        "de": "Für dieses Jahr wurden noch keine Daten veröffentlicht ({path}). Führen Sie "
        "`citybank publish --year {year}` aus.",
    },
    "cell_error": {
        "pl": "Błąd podczas wykonywania notatnika",
        "en": "Error while executing the notebook",
        "de": "Fehler bei der Ausführung des Notebooks",
    },
    "figure": {"pl": "Wykres", "en": "Figure", "de": "Abbildung"},
    "clause": {"pl": "Punkt", "en": "Clause", "de": "Abschnitt"},
    "not_computed": {"pl": "nie obliczono", "en": "not computed", "de": "nicht berechnet"},
    "downloads_intro": {
        "pl": "Oczyszczone otwarte zbiory danych tego roku. Ścieżki są względne wobec folderu raportu.",
        "en": "The year's cleaned open datasets. Paths are relative to the report folder.",
        "de": "Die bereinigten offenen Datensätze des Jahres. Pfade sind relativ zum Berichtsordner.",
    },
    "definitions": {"pl": "Definicje zmiennych", "en": "Definitions of variables", "de": "Definitionen der Variablen"},
    "caveats": {"pl": "Zastrzeżenia", "en": "Caveats", "de": "Vorbehalte"},
    "years": {"pl": "Lata", "en": "Years", "de": "Jahre"},
    "census_break": {
        "pl": "Przerwa w szeregach ludnościowych: od 2021 r. GUS przelicza dane o ludności na podstawie Narodowego "
        "Spisu Powszechnego 2021 (NSP 2021). Wartości sprzed 2021 r. i od 2021 r. nie są w pełni porównywalne; "
        "zmiany rok do roku na przełomie 2020/2021 wynikają częściowo ze zmiany bazy.",
        "en": "Break in the population series: from 2021 onwards GUS rebases population figures on the 2021 "
        "National Census (NSP 2021). Values before and from 2021 are not fully comparable; year-on-year changes "
        "across 2020/2021 partly reflect the new base.",
        "de": "Bruch in den Bevölkerungsreihen: Ab 2021 stützt GUS die Bevölkerungszahlen auf die Volkszählung 2021 "
        "(NSP 2021). Werte vor und ab 2021 sind nicht voll vergleichbar; Veränderungen über den Jahreswechsel "
        "2020/2021 gehen teilweise auf die neue Basis zurück.",
    },
    "iso_notes": {
        "pl": "Wskaźniki ISO 37120:2018 obliczono według sparafrazowanych definicji licznika i mianownika. Część z "
        "nich opiera się na danych zastępczych (np. bezrobocie rejestrowane zamiast definicji MOP), a oznaczenia "
        "„podstawowy/wspierający” nie są pewne. Wyniki nie są certyfikacją WCCD.",
        "en": "ISO 37120:2018 indicators were computed from paraphrased numerator and denominator definitions. Some "
        "use proxies (e.g. registered unemployment instead of the ILO concept) and the core/supporting flags are "
        "uncertain. The results are not a WCCD certification.",
        "de": "Die Indikatoren nach ISO 37120:2018 wurden aus paraphrasierten Zähler- und Nennerdefinitionen "
        "berechnet. Einige beruhen auf Näherungswerten (z. B. registrierte Arbeitslosigkeit statt ILO-Konzept), "
        "die Einstufung Kern/unterstützend ist unsicher. Die Ergebnisse sind keine WCCD-Zertifizierung.",
    },
    "provenance_note": {
        "pl": "Każda wartość w banku danych zachowuje swoje pochodzenie: dostawcę, plik, arkusz, wiersz i sumę "
        "kontrolną pliku źródłowego.",
        "en": "Every value in the data bank keeps its provenance: provider, file, sheet, row and the checksum of "
        "the source file.",
        "de": "Jeder Wert in der Datenbank behält seine Herkunft: Lieferant, Datei, Blatt, Zeile und die Prüfsumme "
        "der Quelldatei.",
    },
    "choose_language": {"pl": "Wybierz język", "en": "Choose a language", "de": "Sprache wählen"},
    "provisional": {"pl": "dane wstępne", "en": "provisional data", "de": "vorläufige Daten"},
    "skip_to_content": {"pl": "Przejdź do treści", "en": "Skip to content", "de": "Zum Inhalt springen"},
}

# Keys of this module → keys of the project's string table (lib/citybank/i18n.yml).
I18N_KEYS = {
    "overview": "chapter.overview",
    "categories": "chapter.categories",
    "iso": "chapter.iso37120",
    "strategy": "chapter.strategy",
    "consistency": "chapter.consistency",
    "quality": "chapter.data_quality",
    "downloads": "chapter.downloads",
    "methodology": "chapter.methodology",
    "contents": "chapter.contents",
    "sources": "chapter.sources",
    "file": "table.file",
    "format": "table.format",
    "size": "table.size",
    "value": "table.value",
    "unit": "table.unit",
    "status": "table.status",
    "indicator": "table.indicator",
    "theme": "table.theme",
    "dataset": "table.dataset",
    "licence": "table.licence",
    "frequency": "table.frequency",
    "variable": "table.variable",
    "definition": "table.definition",
}


def t(key: str, lang: str, **fmt: object) -> str:
    """The UI string ``key`` in ``lang``; ``fmt`` fills ``{name}`` placeholders."""
    if key in FALLBACK:
        text = FALLBACK[key][lang]
    else:  # a renderer key mapped to the project's table, or one of the table's own dotted keys
        text = i18n_t(I18N_KEYS.get(key, key), lang)
    return text.format(**fmt) if fmt else text
