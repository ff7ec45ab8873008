#!/usr/bin/python3
"""make_corpus.py - writes tests/mediawiki/corpus.xml, the wiki content of the test corpus.

    /usr/bin/python3 tests/mediawiki/make_corpus.py [OUT]      (default: corpus.xml beside this)

A MediaWiki XML export (schema export-0.11) of hand-written pages that exercise what the crawler
must handle (see the feature list in tests/corpus/README.md), plus pages of generated
Wikipedia-like prose. Everything is deterministic: the same script gives the same bytes, so
corpus.xml is kept in the repository and this script only matters when the corpus changes.
No text is copied from anywhere; the prose is written or generated here.
"""
import hashlib
import os
import random
import sys
from xml.sax.saxutils import escape, quoteattr

PAGES = []  # (title, text), in import order


def page(title, text):
    assert all(t != title for t, _ in PAGES), title
    PAGES.append((title, text.strip("\n") + "\n" if text else ""))


def rng(key):
    return random.Random(int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:16], 16))


# ================================================================================================
# Templates
# ================================================================================================

page("Template:Reflist", """<div class="reflist{{#if:{{{colwidth|}}}| reflist-columns}}" style="list-style-type: {{#switch:{{{liststyle|}}}|alpha=lower-alpha|roman=lower-roman|#default=decimal}};">{{#if:{{{group|}}}|{{#tag:references|{{{refs|}}}|group={{{group}}}}}|{{#tag:references|{{{refs|}}}}}}}</div><noinclude>
Displays the list of references. Parameters: <code>colwidth</code>, <code>group</code>, <code>liststyle</code>, <code>refs</code>.
</noinclude>""")

page("Template:Short description", """<div class="shortdescription nomobile noexcerpt noprint searchaux" style="display:none">{{{1}}}</div>{{#ifeq:{{NAMESPACE}}||[[Category:Articles with short description]]}}<noinclude>
Adds a short description.
</noinclude>""")

page("Template:Infobox", """{| class="infobox vcard" style="width:22em"
|+ class="infobox-title fn" | {{{title|{{PAGENAME}}}}}
{{#if:{{{image|}}}|
{{!}}-
{{!}} colspan="2" class="infobox-image" {{!}} [[File:{{{image}}}|frameless|{{{caption|}}}]]
}}{{#if:{{{label1|}}}|
{{!}}-
! scope="row" {{!}} {{{label1}}}
{{!}} {{{data1|}}}
}}{{#if:{{{label2|}}}|
{{!}}-
! scope="row" {{!}} {{{label2}}}
{{!}} {{{data2|}}}
}}{{#if:{{{label3|}}}|
{{!}}-
! scope="row" {{!}} {{{label3}}}
{{!}} {{{data3|}}}
}}{{#if:{{{label4|}}}|
{{!}}-
! scope="row" {{!}} {{{label4}}}
{{!}} {{{data4|}}}
}}{{#if:{{{website|}}}|
{{!}}-
! scope="row" {{!}} Website
{{!}} [{{{website}}} {{#if:{{{website_label|}}}|{{{website_label}}}|Official website}}]
}}
|}<noinclude>
Generic infobox with up to four label/data rows.
</noinclude>""")

page("Template:Infobox settlement", """{{Infobox
| title = {{{name|{{PAGENAME}}}}}
| label1 = Country
| data1 = {{{country|}}}
| label2 = {{#switch:{{{type|city}}}|city=City rank|town=Town rank|village=Village rank|capital=Capital of|#default=Settlement}}
| data2 = {{{rank|—}}}
| label3 = {{#if:{{{population|}}}|Population}}
| data3 = {{#if:{{{population|}}}|{{formatnum:{{{population}}}}} ({{{pop_year|unknown year}}})}}
| label4 = {{#if:{{{elevation_m|}}}|Elevation}}
| data4 = {{#if:{{{elevation_m|}}}|{{{elevation_m}}}&nbsp;m ({{#expr:{{{elevation_m}}}*3.2808 round 0}}&nbsp;ft)}}
| website = {{{website|}}}
}}<noinclude>
[[Category:Infobox templates]]
</noinclude>""")

page("Template:Lang", """<span lang="{{{1}}}"{{#switch:{{{1}}}|ar|he|fa|ur=&#32;dir="rtl"}}>{{#if:{{{italic|}}}|''{{{2}}}''|{{{2}}}}}</span><noinclude>
Marks text in another language. {{#switch:x|x=Right-to-left for ar, he, fa, ur.}}
</noinclude>""")

page("Template:Cite web", """<cite class="citation web">{{#if:{{{author|}}}|{{{author}}} ({{{date|n.d.}}}). |}}[{{{url}}} "{{{title}}}"]{{#if:{{{website|}}}|. ''{{{website}}}''}}{{#if:{{{publisher|}}}|. {{{publisher}}}}}{{#if:{{{access-date|}}}|. Retrieved {{{access-date}}}}}.</cite><noinclude>
Web citation.
</noinclude>""")

page("Template:Cite book", """<cite class="citation book">{{{last|}}}{{#if:{{{first|}}}|, {{{first}}}}} ({{{year|n.d.}}}). ''{{{title}}}''.{{#if:{{{location|}}}| {{{location}}}:}} {{{publisher|Unknown publisher}}}.{{#if:{{{page|}}}| p.&nbsp;{{{page}}}.}}{{#if:{{{isbn|}}}| ISBN&nbsp;{{{isbn}}}.}}</cite><noinclude>
Book citation.
</noinclude>""")

page("Template:Citation needed", """<sup class="noprint Inline-Template Template-Fact" style="white-space:nowrap;">&#91;<i>[[wikipedia:Citation needed|<span title="This claim needs references to reliable sources.{{#if:{{{date|}}}| ({{{date}}})}}">citation needed</span>]]</i>&#93;</sup>{{#ifeq:{{NAMESPACE}}||[[Category:All articles with unsourced statements]]}}<noinclude>
</noinclude>""")

page("Template:Main", """<div role="note" class="hatnote navigation-not-searchable">Main article{{#if:{{{2|}}}|s}}: [[{{{1}}}]]{{#if:{{{2|}}}|&#32;and [[{{{2}}}]]}}</div><noinclude>
</noinclude>""")

page("Template:See also", """<div role="note" class="hatnote navigation-not-searchable">See also: [[{{{1}}}]]</div>""")

page("Template:Quote", """<blockquote class="templatequote">
{{{1|{{{text|}}}}}}
{{#if:{{{2|{{{author|}}}}}}|<div class="templatequotecite">&mdash;&#8239;<cite>{{{2|{{{author|}}}}}}{{#if:{{{3|{{{source|}}}}}}|, {{{3|{{{source|}}}}}}}}</cite></div>}}
</blockquote><noinclude>
</noinclude>""")

page("Template:Stub", """<div class="metadata plainlinks asbox stub" role="presentation">''This article is a [[wikipedia:Stub|stub]]. You can help by expanding it.''</div>[[Category:Stubs]]<noinclude>
</noinclude>""")

page("Template:Use dmy dates", """{{#ifeq:{{NAMESPACE}}||[[Category:Use dmy dates from {{#if:{{{date|}}}|{{{date}}}|January 2024}}]]}}<noinclude>
Marks an article as using day-month-year dates.
</noinclude>""")

page("Template:Disambiguation", """<table id="disambigbox" class="metadata plainlinks dmbox dmbox-disambig" role="presentation">
<tr><td class="mbox-text">This [[wikipedia:Help:Disambiguation|disambiguation]] page lists articles associated with the title '''{{PAGENAME}}'''.<br/>If an [[Special:WhatLinksHere/{{FULLPAGENAME}}|internal link]] led you here, you may wish to change the link to point directly to the intended article.</td></tr>
</table>[[Category:Disambiguation pages]][[Category:All disambiguation pages]]{{#switch:{{{1|}}}|geo=[[Category:Place name disambiguation pages]]|hn=[[Category:Human name disambiguation pages]]}}<noinclude>
</noinclude>""")

page("Template:Disambig", "#REDIRECT [[Template:Disambiguation]]")

page("Template:Unit", """{{{1}}}&nbsp;{{#switch:{{{2}}}
|km=kilometres
|mi=miles
|m=metres
|ft=feet
|kg=kilograms
|t=tonnes
|C=°C
|#default={{{2}}}
}}{{#if:{{{convert|}}}|&#32;({{#switch:{{{2}}}|km={{#expr:{{{1}}}*0.621371 round 1}}&nbsp;mi|mi={{#expr:{{{1}}}*1.609344 round 1}}&nbsp;km|m={{#expr:{{{1}}}*3.28084 round 0}}&nbsp;ft|#default=?}})}}<noinclude>
Units with optional conversion.
</noinclude>""")

page("Template:Section heading", """== {{{1}}} ==
{{{2|This section was produced by a template.}}}""")

page("Template:Navbox", """{| class="navbox" style="width:100%"
! colspan="2" class="navbox-title" | {{{title}}}
|-
! class="navbox-group" | {{{group1|}}}
| class="navbox-list" | {{{list1|}}}
{{#if:{{{group2|}}}|
{{!}}-
! class="navbox-group" {{!}} {{{group2}}}
{{!}} class="navbox-list" {{!}} {{{list2|}}}
}}
|}""")

page("Template:Planets", """{{Navbox
| title = [[Solar System]]
| group1 = Inner planets
| list1 = [[Mercury (planet)|Mercury]] &middot; [[Venus (planet)|Venus]] &middot; [[Earth]] &middot; [[Mars (planet)|Mars]]
| group2 = Outer planets
| list2 = [[Jupiter]] &middot; [[Saturn]] &middot; [[Uranus]] &middot; [[Neptune]]
}}""")

page("Template:Efn", """{{#tag:ref|{{{1}}}|group=note}}""")

page("Template:Notelist", """{{Reflist|group=note|liststyle=alpha}}""")

page("Template:Tracking hidden", """[[Category:Articles needing cleanup]]""")

# ================================================================================================
# Categories (a few hidden, i.e. __HIDDENCAT__, as on Wikipedia; many article categories are
# deliberately left without a page, like red categories)
# ================================================================================================

for name, desc in [
    ("Articles with short description", "Tracking category for pages with a short description."),
    ("All articles with unsourced statements", "Tracking category."),
    ("Use dmy dates from January 2024", "Articles using day-month-year dates."),
    ("All disambiguation pages", "All disambiguation pages, including set indices."),
    ("Articles needing cleanup", "Maintenance category."),
    ("Pages with reference errors", "Tracking category for pages with Cite errors."),
    ("Pages with broken file links", "Tracking category for links to files that do not exist."),
]:
    page("Category:" + name, f"__HIDDENCAT__\n{desc}\n[[Category:Hidden categories]]")

page("Category:Disambiguation pages", """This category lists '''disambiguation pages'''. It is not hidden.
[[Category:Wikipedia maintenance]]""")
page("Category:Place name disambiguation pages", "Disambiguation pages about places.\n[[Category:Disambiguation pages]]")
page("Category:Stubs", "Articles that are short.")
page("Category:Planets of the Solar System", "The eight planets.\n[[Category:Solar System]]")
page("Category:Solar System", "Bodies orbiting the Sun.")
page("Category:1977 films", "Films released in 1977.\n[[Category:Films by year]]")
page("Category:Capitals in North America", "[[Category:Capitals]]")
page("Category:Telecommunications companies", "Companies.")
page("Category:Hard rock musical groups", "Bands.")
page("Category:Fictional places", "Places that do not exist outside fiction.")
page("Category:Hidden categories", "Categories marked with __HIDDENCAT__ (this one is not hidden itself).")

# ================================================================================================
# Prose generator (for filler text and the long pages)
# ================================================================================================

ADJ = ["remarkable", "modest", "unusual", "enduring", "controversial", "celebrated", "obscure",
       "distinctive", "ambitious", "fragile", "prosperous", "turbulent", "influential", "quiet",
       "sprawling", "compact", "venerable", "experimental", "seasonal", "coastal"]
YEARS = [str(y) for y in range(1612, 2021, 7)]
PEOPLE = ["Margarethe Olsen", "Tomás Ibarra", "Hiroshi Tanabe", "Adaeze Okafor", "William Pryce",
          "Élodie Marchand", "Søren Kjær", "Nadia Haddad", "Piotr Wiśniewski", "Ana Lúcia Prado",
          "Chen Jiayi", "Ruairí Ó Briain", "Fatima Zahra Bennani", "Johann Krüger", "Kwame Asante"]
PLACES = ["the northern valleys", "the old harbour district", "the coastal plain", "the upper river",
          "the eastern provinces", "the capital", "the mountain passes", "the island chain",
          "the southern marshes", "the market towns"]

SENTENCES = [
    "{S} is often described as one of the most {adj} {n1}s in {place}.",
    "The first written account of {S} appears in a letter of {year}, in which {person} mentions its {n1} in passing.",
    "By {year} the {n1} had become {adj} enough to attract visitors from {place}.",
    "{person} argued that {S} owed its {adj} character less to {n2} than to the patience of those who maintained it.",
    "Contemporary observers were divided: some praised the {n1}, while others dismissed it as {adj} and short-lived.",
    "Although records from the period are incomplete, most historians agree that the {n2} was rebuilt at least twice.",
    "In the decades that followed, the {n1} spread to {place}, where it was adapted to local conditions.",
    "A survey published in {year} counted more than {num} {n2}s, a figure that was later revised downwards.",
    "The name is thought to derive from an older word for a {n1}, although this etymology has been disputed.",
    "Critics have noted that the {adj} reputation of {S} rests on a small number of well-documented episodes.",
    "Much of the surviving material is held in private collections, and only a fraction has been catalogued.",
    "During the winter of {year}, severe weather damaged the {n2}, and repairs continued for several years.",
    "{person} later recalled that the work was slow, poorly paid and, at times, dangerous.",
    "Local tradition holds that the first {n1} was built by a single family, though no evidence supports this.",
    "Today the {n1} is managed by a trust, which publishes an annual report on its condition.",
    "The {n2} is usually divided into three periods, each marked by a change in materials and technique.",
    "Its influence can be traced in the work of later writers, notably {person}, who described it as \"{adj} but honest\".",
    "Not all of these changes were welcomed; a petition signed in {year} asked for the old {n2} to be restored.",
    "Visitors in the summer months can follow a marked trail that passes the principal {n1}s.",
    "The relationship between {S} and the surrounding region has been the subject of several studies.",
    "Estimates of its size vary widely, from {num} to more than twice that number, depending on the method used.",
    "In {year} a fire destroyed the archive, and much of what is known comes from copies made beforehand.",
    "The debate was settled, at least provisionally, by excavations carried out between {year} and {year2}.",
    "A second {n1}, smaller and more {adj}, was added on the western side.",
    "Few sources describe daily life there, but account books suggest a steady trade in {n2}s.",
    "The arrival of the railway changed the {n1} profoundly, bringing both new customers and new competitors.",
    "{person}'s study remains the standard reference, although parts of it are now considered outdated.",
    "Some scholars regard the {adj} {n2} as a later addition; others believe it belongs to the original design.",
    "The practice declined after {year}, and by the end of the century it survived only in {place}.",
    "Several {n1}s from this period are preserved in museums, the best known being the one displayed in {place}.",
    "Seen from a distance, the {n2} appears {adj}, an impression that disappears on closer inspection.",
    "What began as a local curiosity eventually became a point of regional pride.",
    "The figures below are taken from the census of {year} and should be treated with caution.",
    "Unlike its neighbours, {S} never developed a large {n1} industry.",
    "It was here, according to a frequently repeated story, that {person} first proposed the idea.",
    "Modern reconstructions rely heavily on a single drawing made in {year}.",
    "The {n1} has been restored several times; the most recent restoration was completed in {year}.",
    "There is no agreement on when exactly the {n2} was abandoned.",
    "Its {adj} appearance has made it a popular subject for painters and, later, photographers.",
    "Rainfall is unevenly distributed, and the {n2}s on the higher ground are often dry by late summer.",
]


def prose_sentence(r, subject, vocab):
    s = r.choice(SENTENCES)
    y = r.choice(YEARS)
    return s.format(S=subject, adj=r.choice(ADJ), n1=r.choice(vocab), n2=r.choice(vocab),
                    place=r.choice(PLACES), year=y, year2=str(int(y) + r.randrange(2, 15)),
                    person=r.choice(PEOPLE), num=r.randrange(12, 9000))


def decorate(r, sentence, links, refs):
    """Sprinkles bold/italic/links/refs into a sentence, Wikipedia style."""
    words = sentence.split(" ")
    x = r.random()
    if x < 0.25 and links and len(words) > 4:
        i = r.randrange(1, len(words) - 1)
        w = words[i].strip(".,;:\"'")
        if w.isalpha():
            target = r.choice(links)
            words[i] = words[i].replace(w, f"[[{target}|{w}]]" if r.random() < 0.6 else f"[[{target}]]", 1)
    elif x < 0.35 and len(words) > 3:
        i = r.randrange(0, len(words) - 1)
        words[i] = "''" + words[i] + "''"
    elif x < 0.40 and len(words) > 3:
        i = r.randrange(0, len(words) - 2)
        words[i] = "'''''" + words[i] + " " + words[i + 1] + "'''''"
        del words[i + 1]
    out = " ".join(words)
    if refs is not None and r.random() < 0.18:
        n = len(refs) + 1
        if refs and r.random() < 0.3:
            out += f'<ref name="r{r.randrange(1, len(refs) + 1)}" />'
        else:
            refs.append(n)
            if r.random() < 0.5:
                out += (f'<ref name="r{n}">{{{{Cite book |last={r.choice(PEOPLE).split()[-1]} '
                        f'|first={r.choice(PEOPLE).split()[0]} |year={r.choice(YEARS)} '
                        f'|title=Notes on {r.choice(ADJ)} things |publisher=Example Press |page={r.randrange(3, 400)}}}}}</ref>')
            else:
                out += (f'<ref name="r{n}">{{{{Cite web |url=https://example.org/archive/{n}?id={r.randrange(1000, 9999)} '
                        f'|title=Record {n} |website=Example Archive |access-date=3 March 2024}}}}</ref>')
    return out


def paragraph(r, subject, vocab, links, refs, nsent=None):
    n = nsent or r.randrange(3, 7)
    sents = [decorate(r, prose_sentence(r, subject, vocab), links, refs) for _ in range(n)]
    if n > 3 and r.random() < 0.25:
        return " ".join(sents[:2]) + "\n" + " ".join(sents[2:])
    return " ".join(sents)


# ================================================================================================
# Filler articles: generated prose with the usual Wikipedia structure. Generated links point to
# other generated articles (GENERATED), so most of them exist, and to a few red links.
# ================================================================================================

FILLER = [
    # title, subject, vocabulary, categories, section names
    ("River Ouseburn (Northumbria)", "The Ouseburn", ["mill", "weir", "bridge", "ford", "tributary"],
     ["Rivers of Northumbria"], ["Course", "History", "Industry", "Ecology"]),
    ("Lake Vänern (fictional)", "The lake", ["island", "fishery", "ferry", "lighthouse", "shoreline"],
     ["Lakes", "Fictional places"], ["Geography", "Fishing", "Transport"]),
    ("Grand Central Railway", "The railway", ["locomotive", "station", "viaduct", "tunnel", "signal box"],
     ["Railway companies", "Transport history"], ["Origins", "Construction", "Operations", "Closure", "Legacy"]),
    ("Margarethe Olsen", "Olsen", ["manuscript", "lecture", "expedition", "notebook", "correspondence"],
     ["Botanists", "1850s births"], ["Early life", "Career", "Later years", "Legacy"]),
    ("Tomás Ibarra", "Ibarra", ["sculpture", "commission", "workshop", "exhibition", "pupil"],
     ["Sculptors"], ["Biography", "Works", "Reception"]),
    ("Hiroshi Tanabe (engineer)", "Tanabe", ["patent", "bridge", "prototype", "factory", "lecture"],
     ["Engineers"], ["Early life", "Engineering career", "Honours"]),
    ("Blue-throated marsh warbler", "The marsh warbler", ["nest", "reed bed", "song", "migration", "clutch"],
     ["Birds", "Fictional species"], ["Taxonomy", "Description", "Distribution and habitat", "Behaviour", "Conservation"]),
    ("Copperleaf fern", "The fern", ["frond", "spore", "rhizome", "woodland", "cultivar"],
     ["Ferns"], ["Description", "Cultivation", "Uses"]),
    ("Sodium chloride", "Sodium chloride", ["crystal", "brine", "salt pan", "mine", "solution"],
     ["Chemical compounds"], ["Properties", "Production", "Uses", "History"]),
    ("Harbour Festival of Kerrow", "The festival", ["parade", "regatta", "stall", "lantern", "concert"],
     ["Festivals", "Fictional places"], ["History", "Programme", "Attendance"]),
    ("Kerrow", "Kerrow", ["harbour", "chapel", "market", "quay", "cottage"],
     ["Fictional places", "Port towns"], ["History", "Geography", "Economy", "Culture", "Notable people"]),
    ("The Lantern Keepers (album)", "The album", ["track", "session", "single", "review", "tour"],
     ["Albums"], ["Background", "Recording", "Release", "Reception", "Track listing"]),
    ("Chess in Kerrow", "Chess", ["club", "tournament", "opening", "championship", "problem"],
     ["Chess"], ["History", "Clubs", "Tournaments"]),
    ("Osterberg Observatory", "The observatory", ["telescope", "dome", "catalogue", "plate", "instrument"],
     ["Observatories"], ["History", "Instruments", "Research"]),
    ("Quillon typeface", "Quillon", ["glyph", "weight", "foundry", "ligature", "specimen"],
     ["Typefaces"], ["Design", "Release history", "Usage"]),
    ("Saltmarsh Rugby Club", "The club", ["season", "ground", "league", "captain", "fixture"],
     ["Rugby clubs"], ["History", "Ground", "Honours"]),
    ("Vellum (software)", "Vellum", ["release", "plugin", "repository", "bug", "maintainer"],
     ["Free software", "Text editors"], ["History", "Features", "Reception", "Versions"]),
    ("Northmoor Abbey", "The abbey", ["cloister", "chapter house", "charter", "bell tower", "grange"],
     ["Abbeys", "Ruins"], ["Foundation", "Dissolution", "Architecture", "Present day"]),
    ("Treaty of Aldmere", "The treaty", ["clause", "delegation", "border", "envoy", "ratification"],
     ["Treaties", "Fictional treaties"], ["Background", "Negotiations", "Terms", "Aftermath"]),
    ("Dunmore Lighthouse", "The lighthouse", ["lamp", "keeper", "lens", "fog signal", "gallery"],
     ["Lighthouses"], ["History", "Keepers", "Automation"]),
    ("Ipswich Lane Market", "The market", ["stall", "trader", "licence", "arcade", "auction"],
     ["Markets"], ["History", "Trading", "Redevelopment"]),
    ("Solar System", "The Solar System", ["planet", "moon", "comet", "orbit", "belt"],
     ["Solar System"], ["Formation", "Structure", "Exploration"]),
    ("Earth", "Earth", ["continent", "ocean", "atmosphere", "season", "orbit"],
     ["Planets of the Solar System"], ["Physical characteristics", "Orbit", "Life"]),
    ("Venus (planet)", "Venus", ["cloud", "crater", "probe", "phase", "transit"],
     ["Planets of the Solar System"], ["Atmosphere", "Observation", "Exploration"]),
    ("Mars (planet)", "Mars", ["crater", "dust storm", "moon", "rover", "canyon"],
     ["Planets of the Solar System"], ["Surface", "Moons", "Exploration"]),
    ("Jupiter", "Jupiter", ["band", "moon", "storm", "ring", "probe"],
     ["Planets of the Solar System"], ["Structure", "Moons", "Observation"]),
    ("Washington (state)", "Washington", ["county", "forest", "port", "mountain", "river"],
     ["States of the United States"], ["Geography", "History", "Economy"]),
    ("Mercury (element)", "Mercury", ["amalgam", "thermometer", "ore", "vapour", "compound"],
     ["Chemical elements"], ["Properties", "Occurrence", "Uses", "Toxicity"]),
    ("Mercury (mythology)", "Mercury", ["temple", "festival", "messenger", "statue", "cult"],
     ["Roman gods"], ["Name", "Worship", "Iconography"]),
    ("Tokyo", "Tokyo", ["ward", "station", "district", "river", "tower"],
     ["Capitals in Asia"], ["History", "Geography", "Transport"]),
    ("Paris", "Paris", ["arrondissement", "bridge", "boulevard", "café", "museum"],
     ["Capitals in Europe"], ["History", "Geography", "Culture"]),
    ("Paris, Texas", "Paris", ["county", "courthouse", "railroad", "fair", "ranch"],
     ["Cities in Texas"], ["History", "Geography"]),
    ("Alternating current", "Alternating current", ["generator", "transformer", "frequency", "line", "phase"],
     ["Electrical engineering"], ["History", "Transmission", "Frequencies"]),
    ("Air conditioning", "Air conditioning", ["compressor", "refrigerant", "unit", "duct", "filter"],
     ["Heating, ventilation, and air conditioning"], ["History", "Principles", "Environmental impact"]),
]

LONG = [
    ("History of Atlantis (fiction)", "Atlantis", ["harbour", "temple", "fleet", "colony", "canal", "assembly"],
     ["Fictional places", "Legends"], 12),
    ("Economy of Kerrow", "The economy of Kerrow", ["fishery", "warehouse", "bank", "shipyard", "tariff", "guild"],
     ["Economies", "Fictional places"], 2),
    ("Geography of the Lorem Peninsula", "The Lorem Peninsula", ["ridge", "valley", "estuary", "moor", "glacier", "dune"],
     ["Peninsulas", "Fictional places"], 3),
    ("Aldmere Canal", "The canal", ["lock", "barge", "towpath", "aqueduct", "basin", "reservoir"],
     ["Canals"], 2),
]

GENERATED = [f[0] for f in FILLER] + [f[0] for f in LONG]


# ================================================================================================
# Hand-written feature pages
# ================================================================================================

HAND = []  # (title, text) - main namespace


def hand(title, text):
    HAND.append((title, text))


hand("Star Wars: Episode IV", """{{Short description|1977 fictional space-opera film}}
{{Use dmy dates|date=January 2024}}
{{Infobox
| title = ''Star Wars: Episode IV''
| label1 = Directed by
| data1 = [[Tomás Ibarra]]
| label2 = Running time
| data2 = 121 minutes
| label3 = Budget
| data3 = $11&nbsp;million
| website = https://example.org/films/episode-iv
}}
'''''Star Wars: Episode IV''''' (also known simply as '''''Episode IV''''') is a 1977 space-opera film in this test corpus. It is the first film of a trilogy and follows a farm boy, a smuggler and a princess through a conflict between a rebellion and an empire.<ref name="release">{{Cite web |url=https://example.org/films/episode-iv/release |title=Release history |website=Example Films |access-date=1 February 2024}}</ref>

The film was a commercial success. Its title contains a colon, which MediaWiki accepts in the main namespace because "Star Wars" is not a namespace prefix.

== Plot ==
A young farmer on a desert world finds a message hidden in a droid. With the help of an old hermit, he travels to a spaceport and hires a pilot.<ref>The plot summary is written for this corpus.</ref> Their ship is captured by a battle station, and the group escapes after rescuing the princess.

The rebels study the station's plans and find a weakness. In the final battle the farmer destroys the station with a single shot.

== Cast ==
* [[Margarethe Olsen]] as the princess
* [[William Pryce]] as the farmer
* Kwame Asante as the smuggler
** Asante also performed several of his own stunts
* Hiroshi Tanabe as the hermit

== Production ==
=== Development ===
Development began in {{#expr: 1977 - 4}}. The director wrote several drafts; the second draft introduced the droids, and the ''third'' draft gave the film its '''structure'''.

=== Filming ===
Principal photography took place in desert locations and at a studio near [[London]]. Filming was difficult: sandstorms damaged equipment, and the schedule slipped by several weeks.{{Citation needed|date=March 2023}}

== Release ==
The film opened on 25 May 1977 in 32 theatres. See [[Star Wars: Episode IV#Reception|reception]] below.

== Reception ==
Reviews were largely positive.<ref name="release" /> One critic called it "a '''thrilling''' ride"; another found the dialogue ''wooden''.

== References ==
{{Reflist}}

== External links ==
* [https://example.org/films/episode-iv Official website]
* [https://example.com/db/title/tt0076759/ ''Star Wars: Episode IV''] at the Example Movie Database

[[Category:1977 films]]
[[Category:Space opera films]]
""")

hand("AT&T", """{{Short description|Fictional telecommunications company}}
'''AT&amp;T Inc.''' (written '''AT&T''' in running text) is a telecommunications company in this corpus. The ampersand in its name appears in the title, in links such as [[AT&T]] (a self-link), and as the entity <code>&amp;amp;</code> in wikitext.

== History ==
The company was founded in 1885 as the '''American Telephone &amp; Telegraph Company'''. It built long-distance lines between [[Washington, D.C.]] and other cities.

== Subsidiaries ==
{| class="wikitable sortable"
|+ Major subsidiaries (fictional)
! Name !! Founded !! Headquarters
|-
| AT&amp;T Mobility || 1984 || Atlanta
|-
| AT&T Labs || 1996 || rowspan="2" | Dallas
|-
| AT&T Cable &amp; Wireless || 2001
|-
| colspan="2" | ''Discontinued units'' || —
|}

== External links ==
* [https://example.org/att AT&T official site]
* https://example.com/search?q=AT%26T&lang=en
* [https://example.net/at&t?x=1&y=2 Link with ampersands]

[[Category:Telecommunications companies]]
[[Category:Companies with ampersands in the name]]
""")

hand("AC/DC", """'''AC/DC''' is a hard rock band in this corpus. Its name contains a slash; subpages are disabled in the main namespace, so '''AC/DC''' is a normal title rather than a subpage of "AC".

The band's name refers to [[Alternating current|alternating current]] and direct current.

== Members ==
; Current members
: Angus Pryce – lead guitar (1973–present)
: Brian Okafor – vocals (1980–2016, 2020–present)
; Former members
: Bon Marchand – vocals (1974–1980)
:: Marchand died in 1980.
; Touring musicians
: none listed

== Discography ==
# ''High Voltage'' (1975)
# ''Let There Be Rock'' (1977)
#* Reissued in 2003
#* Remastered in 2020
# ''Back in Black'' (1980)
## Deluxe edition (2010)
## Anniversary edition (2020)
# ''Power Up'' (2020)

== Tours ==
* 1975–1977: early tours
** Australia
** United Kingdom
*** London
*** Glasgow
* 1980: ''Back in Black'' tour
*# first leg: Europe
*# second leg: North America

[[Category:Hard rock musical groups]]
""")

hand("Don't Stop Believin'", """'''"Don't Stop Believin''''"''' is a song in this corpus. The title ends in an apostrophe, which wikitext makes tricky: four apostrophes in a row are read as a literal apostrophe followed by bold markup.

It was released as a single in 1981. The song's '''''bridge''''' is often quoted, and its ''don't-stop'' chorus was described as "''relentlessly '''hopeful'''''".

== Chart performance ==
The single reached number&nbsp;9 in the United States. In 2009 it re-entered several charts after being used on television.

== Covers ==
* A choir version ('''2009''')
* An instrumental version on ''[[The Lantern Keepers (album)|The Lantern Keepers]]''

[[Category:1981 singles]]
""")

hand('"Heroes" (song)', """'''"Heroes"''' is a song whose title includes quotation marks: the quotes are part of the name, so the article is titled <nowiki>"Heroes" (song)</nowiki>.

The song was recorded in 1977 in a studio near a wall. Its lyrics describe two lovers who meet "just for one day".

== Recording ==
The producer placed three microphones at different distances from the singer, opening each one only as the vocal grew louder. The result was a performance that starts quietly and ends in a shout.

== Legacy ==
The song has been covered many times. See also [[Don't Stop Believin']] and [[AC/DC]].

[[Category:1977 songs]]
""")

hand("Washington, D.C.", """{{Infobox settlement
| name = Washington, D.C.
| type = capital
| country = United States
| rank = United States
| population = 689545
| pop_year = 2020
| elevation_m = 125
| website = https://example.gov/dc
}}
'''Washington, D.C.''', formally the '''District of Columbia''', is the capital city of the United States in this corpus. The title contains a comma and full stops.

== Geography ==
The city lies on the [[Potomac River|Potomac River]] and covers {{Unit|177|km|convert=yes}}. Its highest point is {{Unit|125|m|convert=yes}} above sea level.

== Climate ==
{| class="wikitable"
! Month !! Jan !! Apr !! Jul !! Oct
|-
! Mean high
| {{Unit|7|C}} || {{Unit|20|C}} || {{Unit|31|C}} || {{Unit|21|C}}
|-
! Rainfall
| 71&nbsp;mm || 84&nbsp;mm || 104&nbsp;mm || 82&nbsp;mm
|}

== See also ==
* [[Washington]] (disambiguation)
* [[Washington (state)]]

[[Category:Capitals in North America]]
[[Category:Cities]]
""")

hand("Mercury (planet)", """{{Short description|Smallest planet in the Solar System}}
'''Mercury''' is the smallest planet in the [[Solar System]] and the closest to the Sun. Its orbit around the Sun takes 87.97 Earth days, the shortest of all the Sun's planets.<ref>{{Cite book |last=Kjær |first=Søren |year=2011 |title=The Inner Planets |publisher=Example Press |page=12}}</ref>

Mercury is named after the Roman god [[Mercury (mythology)|Mercury]]. For other uses, see [[Mercury]].

== Physical characteristics ==
Mercury has a radius of about 2,440&nbsp;km. Its density is 5.43&nbsp;g/cm<sup>3</sup>, and the surface gravity is 3.7&nbsp;m/s<sup>2</sup> (0.38&nbsp;''g'').

=== Surface ===
The surface is heavily cratered. Temperatures range from &minus;173&nbsp;&deg;C at night to 427&nbsp;&deg;C during the day, a difference of 600&nbsp;K.

=== Interior ===
Mercury has a large iron core that makes up about 85% of its radius. The mass is 3.30&nbsp;&times;&nbsp;10<sup>23</sup>&nbsp;kg.

== Orbit ==
Mercury's orbit is the most eccentric of the planets (''e''&nbsp;≈&nbsp;0.2056). Its perihelion precesses by about 43&Prime; per century more than Newtonian mechanics predicts, an effect explained by general relativity.

{| class="wikitable"
|+ Orbital parameters
! Parameter !! Value
|-
| Semi-major axis || 0.387&nbsp;AU
|-
| Eccentricity || 0.2056
|-
| Inclination || 7.005°
|}

== Observation ==
Mercury is difficult to observe because it is never far from the Sun. It is best seen shortly after sunset or before sunrise.<ref>Observation notes written for this corpus.</ref>

== References ==
<references />

{{Planets}}

[[Category:Planets of the Solar System]]
[[Category:Terrestrial planets]]
""")

hand("Why? (film)", """'''''Why?''''' is a 1985 drama film. Its title ends in a question mark, which must be percent-encoded (<code>%3F</code>) in a URL path but is legal in a page title.

== Plot ==
A schoolteacher asks her pupils one question each day. The film follows one pupil who keeps asking "why?" until the teacher runs out of answers.

== Reception ==
Critics praised the child actors; one review asked: "Why hasn't anyone made this film before?"

[[Category:1985 films]]
""")

hand("Semicolon; a history", """The '''semicolon''' (''';''') is a punctuation mark. This article's title contains a semicolon, which is legal in titles but must be encoded in query strings by some clients.

; Definition
: A mark used to join two independent clauses.
; Usage
: "I came; I saw; I left."
; Not to be confused with
: the colon (''':''')

== History ==
The semicolon was first printed in Venice in 1494. Printers used it sparingly for two centuries; by the 18th century it was common in English prose.

== In programming ==
Many programming languages, including [[C++]], use the semicolon to end a statement:
 int x = 1; int y = 2;
The line above is preformatted because it starts with a space.

[[Category:Punctuation]]
""")

hand("C++", """'''C++''' is a programming language. The title consists of a letter and two plus signs; in a query string a plus sign means a space unless it is encoded as <code>%2B</code>.

== Syntax ==
A minimal program:
<pre>
#include <iostream>

int main() {
    std::cout << "Hello, world!" << std::endl;   // prints a greeting
    return 0 && 1 < 2;
}
</pre>
The <code>&lt;&lt;</code> operator writes to a stream. Templates look like <code>std::vector&lt;int&gt;</code>.

An unknown extension tag is shown as text: <syntaxhighlight lang="cpp">int x;</syntaxhighlight>

 // preformatted with a leading space
 for (int i = 0; i < 10; ++i) { sum += i; }

== Standards ==
{| class="wikitable"
! Year !! Name !! Notable features
|-
| 1998 || C++98 || Templates, STL
|-
| 2011 || C++11 || <code>auto</code>, lambdas, move semantics
|-
| 2020 || C++20 || Concepts, modules, coroutines
|}

[[Category:Programming languages]]
""")

hand("Café de Flore", """'''Café de Flore''' is a café on the boulevard Saint-Germain in [[Paris]]. The name contains an accented letter (é), and the article contains other accents: à, ç, ê, ë, ï, ô, ù, ÿ, œ, æ and the guillemets « and ».

== History ==
The café opened in the 1880s. Writers such as ''Élodie Marchand'' and '''Søren Kjær''' worked there; the latter described it as « un salon où l'on écrit ».

== Menu ==
* Café crème – 6,50&nbsp;€
* Chocolat chaud à l'ancienne – 8,00&nbsp;€
* Croque-monsieur – 14&nbsp;€

<gallery>
File:Cafe de Flore terrace.jpg|The terrace in 2019
File:Cafe de Flore interior.jpg|Interior, first floor
</gallery>

[[File:Cafe de Flore sign.jpg|thumb|The café's sign, with '''bold''' text in the caption]]
The photograph above does not exist in this wiki, so MediaWiki renders a link to the missing file.

[[Category:Coffeehouses in Paris]]
""")

hand("東京タワー", """'''東京タワー'''（とうきょうタワー、{{Lang|en|Tokyo Tower}}）は、[[Tokyo|東京都]]港区芝公園にある総合電波塔である。This article mixes Japanese and English text, CJK punctuation and <ruby>東京<rp>(</rp><rt>とうきょう</rt><rp>)</rp></ruby> annotations.

== 概要 ==
高さは333メートル。1958年12月23日に完成した。展望台は二つあり、メインデッキは150メートル、トップデッキは250メートルの高さにある。

== 歴史 ==
建設には約1年半を要した。In English: construction took about eighteen months, and the tower was painted in international orange and white.

== 関連項目 ==
* [[Tokyo]]
* [[Paris]]（エッフェル塔）

[[Category:Towers in Tokyo]]
[[Category:Articles containing Japanese-language text]]
""")

hand("القاهرة", """'''القاهرة''' ({{Lang|en|Cairo}}) هي عاصمة جمهورية مصر العربية. This article has a right-to-left title and mixes Arabic with English: the city lies on the Nile, and its name means {{Lang|ar|المنتصرة}} ("the victorious").

== التاريخ ==
تأسست المدينة عام 969 م. The Fatimid dynasty founded the city in 969; the older settlement of Fustat lay to the south.

== السكان ==
يبلغ عدد السكان نحو 10 ملايين نسمة (2017). Numbers inside RTL text: 10,000,000 (2017); <span dir="ltr">left-to-right span</span> and <bdi>عزل ثنائي الاتجاه</bdi>.

[[Category:Capitals in Africa]]
""")

hand("Grinning Face 😀", """The '''grinning face''' (😀, U+1F600) is an emoji. The title contains a character outside the Basic Multilingual Plane, encoded in UTF-8 as four bytes and in JSON as the surrogate pair <code>\\ud83d\\ude00</code>.

== Variants ==
Related emoji include 😃, 😄, 😁 and 🙂. Skin-tone modifiers combine with hand gestures: 👍🏽. Some emoji are sequences joined by zero-width joiners: 👩‍💻, 🏳️‍🌈.

== Encoding ==
{| class="wikitable"
! Emoji !! Code point !! UTF-8
|-
| 😀 || U+1F600 || F0 9F 98 80
|-
| ☺ || U+263A || E2 98 BA
|-
| &#x263A; || &amp;#x263A; || written as an entity
|}

[[Category:Emoji]]
""")

hand("Zürich", """'''Zürich''' is the largest city in Switzerland. The article contains text in several scripts: German ''Zürich'', French ''Zurich'', Greek Ζυρίχη, Russian Цюрих, Hebrew {{Lang|he|ציריך}}, Chinese 苏黎世 and Korean 취리히.

== Name ==
The Latin name '''Turicum''' appears on a tombstone from the 2nd century. The ''ü'' is written ''ue'' when umlauts are unavailable: Zuerich.

== Geography ==
The city lies at the northern end of Lake Zürich, where the Limmat leaves the lake, at {{Unit|408|m}} above sea level.

[[Category:Cities in Switzerland]]
""")

hand("Tag soup", """'''Tag soup''' is HTML written without regard for the rules of nesting. Browsers and HTML parsers recover from it in different ways; this article contains some on purpose.

== Examples ==
A paragraph element around a block: <p><div>a division inside a paragraph</div></p> and text after it.

Bold that starts outside and ends inside a paragraph: <b><p>bold text</b> then plain text.

An unclosed <i>italic element runs on

into the next paragraph.

A <span>span containing <p>a paragraph</p> and more</span> text.

Misnested inline markup: <b>bold <i>bold italic</b> italic</i> plain.

A stray closing tag </div> in the middle of a sentence, and an unclosed <small>small element.

<p>Raw paragraph one<p>raw paragraph two, without the first being closed.

<div>Division with <p>a paragraph <span>and a span <div>containing a division</div> after</span></p> end</div>

A table inside a paragraph: <p>before <table><tr><td>cell<p>para in cell</p></td></tr></table> after</p>

<center>centred <p>paragraph inside center</p> text</center>

<font color="red">red <p>para</p> text</font>

<u>underlined<p>paragraph inside u</p>tail</u>

== Recovery ==
MediaWiki repairs all of the above with an HTML5 tree builder before the page is shown, so the markup that clients receive is well formed, although it is not always what the author meant.

[[Category:HTML]]
""")

hand("Cross-site scripting", """'''Cross-site scripting''' ('''XSS''') is a security vulnerability. Examples in this article must appear as text, never as markup.

== Examples ==
An escaped script element: &lt;script&gt;alert("xss")&lt;/script&gt;.

A raw script element, which MediaWiki refuses to treat as HTML: <script>alert('raw');</script>

A style element: <style>body { display: none; }</style>

An image with an event handler: <img src="x" onerror="alert(1)">

A span with a forbidden attribute: <span onclick="alert(2)" style="color:green">green text</span>.

A link with a JavaScript URL: [javascript:alert(3) click me].

Inside nowiki: <nowiki><script>alert(4)</script> [[not a link]] '''not bold'''</nowiki>.

Inside code: <code>&lt;iframe src="https://example.org"&gt;&lt;/iframe&gt;</code>

== Prevention ==
Output encoding converts <code>&lt;</code> to <code>&amp;lt;</code> and <code>&amp;</code> to <code>&amp;amp;</code>.

[[Category:Computer security]]
""")

hand("HTML character references", """'''Character references''' let HTML authors write characters by name or number. This page uses many of them.

== Named references ==
Ampersand &amp; less-than &lt; greater-than &gt; quote &quot; apostrophe &apos; non-breaking&nbsp;space, em dash &mdash; en dash &ndash; ellipsis &hellip; copyright &copy; registered &reg; euro &euro; pound &pound; section &sect; degree &deg; plus-minus &plusmn; micro &micro; pilcrow &para; middle dot &middot; left guillemet &laquo; right guillemet &raquo; thin&thinsp;space, zero&zwj;width joiner, soft&shy;hyphen.

== Numeric references ==
Decimal: &#9731; (snowman) &#169; (copyright) &#8212; (em dash). Hexadecimal: &#x263A; (smiling face) &#x1F600; (grinning face) &#X41; (capital A).

== Invalid references ==
An unknown name: &foo; and &notanentity; stay as text. A reference without a semicolon: &amp without semicolon, &copy without semicolon. Out-of-range numbers: &#0; &#xD800; &#x110000;. Double-escaped: &amp;amp; and &amp;nbsp;.

== In links and headings ==
[[AT&amp;T|AT&amp;T]] and [[AT&T]] link to the same page. 

=== Heading with &amp; and &mdash; ===
Text under a heading that contains entities.

[[Category:HTML]]
""")

hand("Comparison of text editors", """This '''comparison of text editors''' lists features of several editors, including [[Vellum (software)|Vellum]]. Its tables contain paragraphs, lists and nested tables inside cells.

== General ==
{| class="wikitable sortable"
|+ General information
! Editor !! First release !! Licence !! Notes
|-
| [[Vellum (software)|Vellum]]
| 2004
| GPL
| A plain sentence in a cell.

A second paragraph in the same cell, separated by a blank line.
|-
| Quill
| 1991
| Proprietary
|
* a list
* inside a cell
|-
| Ink
| 2012
| MIT
|
{| class="wikitable"
! Nested !! table
|-
| inner || cell
|}
|-
| colspan="4" style="text-align:center" | ''A cell spanning all columns, with '''bold''' text.''
|-
| colspan="4" | <small>Small text

in two paragraphs of a cell.</small>
|-
| colspan="4" | <b><p>A bold raw paragraph in a cell.</p></b>
|}

== Features ==
{| class="wikitable"
|-
! scope="col" | Feature
! scope="col" | Vellum
! scope="col" | Quill
|-
! scope="row" | Syntax highlighting
| {{#if:yes|Yes|No}} || {{#switch:partial|yes=Yes|partial=Partial|No}}
|-
! scope="row" | Unicode
| Yes<ref>Full Unicode support since version 2.</ref> || No
|}

<table class="wikitable">
<tr><th>HTML table</th><th>written as tags</th></tr>
<tr><td>
First paragraph in an HTML cell.

Second paragraph in an HTML cell.
</td><td><p>Explicit paragraph in a cell.</p></td></tr>
</table>

== Notes ==
{{Reflist}}

[[Category:Text editors]]
[[Category:Software comparisons]]
""")

hand("Example.org", """'''Example.org''' is a domain reserved for documentation. This article contains many kinds of external links.

== Links ==
Bracketed with text: [https://example.org Example home page]. Numbered, without text: [https://example.org/numbered] and [https://example.org/numbered-2]. Bare: https://example.com/path/to/page?query=1&other=two#fragment and http://example.net/plain.

A bare URL followed by punctuation: https://example.com/end. Another in parentheses (https://example.com/in-parens). A URL containing parentheses: https://example.org/wiki/Foo_(bar).

Protocol-relative: [//example.org/relative relative link]. Mail: [mailto:info@example.org write to us]. FTP: ftp://ftp.example.org/pub/file.txt. IRC: irc://irc.example.org/channel.

Internationalised: [https://例え.テスト/パス Japanese IRI], https://example.org/ünïcödé and [https://example.org/%E2%82%AC percent-encoded euro].

With an IPv6 host: [http://[2001:db8::1]/index.html IPv6 link]. With a port and credentials: https://user@example.org:8443/secure.

The same link twice: [https://example.org duplicate one] and [https://example.org duplicate two].

An external link inside a reference.<ref>[https://example.net/ref-link Linked reference] and https://example.net/bare-in-ref</ref>

An interwiki link is not an external link: [[wikipedia:Example.org]].

== References ==
{{Reflist}}

[[Category:Domain names]]
""")

hand("Citation", """A '''citation''' is a reference to a source.<ref name="def">Definition written for this corpus.</ref> This article exercises the Cite extension.

== Footnotes ==
Named references can be reused.<ref name="def" /> A reference can contain formatting: ''italic'', '''bold''' and [[Citation|links]].<ref>''Italic'' and '''bold''' and a [[Margarethe Olsen|link]] inside a reference.</ref>

A reference with a list:<ref>
* first item
* second item
</ref> and one with two paragraphs.<ref>First paragraph of a reference.

Second paragraph of a reference.</ref>

Explanatory notes use a group.<ref group="note">An explanatory note.</ref>{{Efn|A note made with a template.}}

A reference defined in the list only.<ref name="listdefined" />

== Notes ==
<references group="note" />

== References ==
{{Reflist|refs=
<ref name="listdefined">Defined inside the reflist template.</ref>
}}

[[Category:Bibliography]]
""")

hand("Citation errors", """This article contains '''broken references''' of the kind Cite reports as errors, and has no references list at all.

A reference that is used but never defined.<ref name="undefined" />

An empty reference.<ref></ref>

A correct reference.<ref>This one is fine.</ref> Because the page has no <code>references</code> tag, MediaWiki adds the list at the end automatically.

[[Category:Test pages]]
""")

hand("Headings and sections", """__NOTOC__
'''Headings and sections''' tests the ''sections'' list. The table of contents is suppressed with a magic word.

== Level two ==
Text.

=== Level three ===
Text.

==== Level four ====
Text.

===== Level five =====
Text.

====== Level six ======
Text.

== ''Italic'' and '''bold''' heading ==
Text.

== Heading with a [[Mercury (planet)|link]] ==
Text.

== Heading with &amp; entity &mdash; and dash ==
Text.

== 日本語の見出し ==
Text.

== Duplicate ==
First.

== Duplicate ==
Second; the anchor becomes Duplicate_2.

==Unspaced heading==
Text.

== Heading with trailing spaces ==   
Text.

=== Unbalanced heading ==
The extra equals sign becomes part of the heading text.

<h2>Raw HTML heading</h2>
Raw HTML headings appear in the sections list without an index.

{{Section heading|Heading from a template|Text supplied by a template.}}

== <span style="color:red">Styled</span> heading ==
Text.

== Heading with a reference<ref>Reference in a heading.</ref> ==
Text.

== References ==
<references />

[[Category:Test pages]]
""")

hand("Typography", """'''Typography''' is the art of arranging type. <span class="lead-in" style="font-variant:small-caps">This sentence is in a span with a style.</span> <div class="note">This sentence is in a div inside what would otherwise be a paragraph.</div> And this sentence follows the div.

<p class="intro">A paragraph written as a raw HTML p element, with a class attribute.</p>

<p style="text-align:center">Another raw paragraph,
with a newline inside it.</p>

<div style="border:1px solid #aaa; padding:1em">
A division with a blank line after its first sentence.

So this becomes a second paragraph inside the division.
</div>

== Inline elements ==
<small>Small</small>, <big>big</big>, <u>underline</u>, <s>strike</s>, <del>deleted</del>, <ins>inserted</ins>, <mark>marked</mark>, <kbd>Ctrl</kbd>+<kbd>C</kbd>, <abbr title="HyperText Markup Language">HTML</abbr>, <q>a short quotation</q>, <cite>a cited title</cite>, <dfn>definition</dfn>, <var>x</var>, <samp>sample output</samp>, <tt>teletype</tt>, <code>code</code>, H<sub>2</sub>O, E = mc<sup>2</sup>, <time datetime="2024-01-01">New Year's Day</time>, <data value="42">forty-two</data>, super<wbr/>cali<wbr/>fragilistic.

<small><p>Small print in a raw paragraph inside a small element.</p></small>

<big>Big text left open at the end of a paragraph.

The next paragraph is still big, because the element was never closed.

<span style="display:block; margin:1em">A span styled as a block,
spanning two source lines.</span>

== Fonts ==
<font face="serif" color="#336699">The font element is obsolete</font> but still allowed in wikitext. <center>Centred text is also obsolete.</center>

[[Category:Typography]]
""")

hand("Lines and breaks", """A paragraph whose source spans
several lines: MediaWiki keeps the newlines
inside one paragraph element.

A paragraph with explicit line breaks:<br/>second line<br />third line<br>fourth line.

Roses are red,<br/>
violets are blue,<br/>
this poem has breaks<br/>
and newlines too.

<s><p>A struck-through raw paragraph.</p></s> Text after it.

<i>An italic run that continues

across a paragraph break.</i>

== Empty lines ==
One blank line separates paragraphs.


Two blank lines produce an empty paragraph with a line break between them.



Three blank lines.

== Unknown tags ==
<poem>
The Poem extension is not loaded,
so this tag is shown as text.
</poem>

== Comments ==
Text<!-- an HTML comment that disappears --> continues after a comment.
<!-- a comment on its own line -->
Next paragraph.

[[Category:Test pages]]
""")

hand("Quotations", """'''Quotations''' are reproduced words. This article uses block quotations.

== Block quotations ==
<blockquote>
A short quotation in a blockquote element.
</blockquote>

<blockquote>
The first paragraph of a longer quotation.

The second paragraph of the same quotation, with '''bold''' and ''italic'' text.
</blockquote>

<small>A note in small type that spans

two paragraphs, as editors often write it.</small>

<i><p>An italic paragraph written with a raw p element inside the italic element.</p></i>

{{Quote|The only way to learn a language is to speak it badly for a long time.|Ana Lúcia Prado|''Collected Letters'', 1931}}

== Indentation ==
: An indented line, common on talk pages.
:: Indented twice.
::: Three times.

[[Category:Quotations]]
""")

hand("List of prime numbers below 100", """{| class="wikitable"
|+ Primes below 100
! 1–20 !! 21–40 !! 41–60 !! 61–80 !! 81–100
|-
| 2, 3, 5, 7, 11, 13, 17, 19 || 23, 29, 31, 37 || 41, 43, 47, 53, 59 || 61, 67, 71, 73, 79 || 83, 89, 97
|}

== Twin primes ==
* (3, 5)
* (5, 7)
* (11, 13)
* (17, 19)
* (29, 31)
* (41, 43)
* (59, 61)
* (71, 73)

== Mersenne primes ==
# 3
# 7
# 31

== See also ==
* [[List of prime numbers below 100#Twin primes|Twin primes]]

[[Category:Prime numbers]]
[[Category:Lists of numbers]]
""")

hand("Planets navigation", """{{Planets}}
[[Category:Navigation pages]]
""")

hand("The Longest Paragraph", "")  # filled below with one very long paragraph

hand("Magic words and properties", """{{DISPLAYTITLE:Magic words and properties}}{{DEFAULTSORT:Magic words}}__NOINDEX__ __NOEDITSECTION__ __FORCETOC__
This page sets page properties: a display title, a default sort key and '''noindex'''. The page name is {{PAGENAME}}, in lower case {{lc:{{PAGENAME}}}}, in upper case {{uc:{{PAGENAME}}}}; it is in namespace "{{NAMESPACE}}" (empty for articles).

== Parser functions ==
* #if: {{#if: something | non-empty | empty}}, {{#if: | non-empty | empty}}
* #ifeq: {{#ifeq: 01 | 1 | numerically equal | different}}
* #switch: {{#switch: b | a = first | b = second | #default = other}}
* #expr: {{#expr: (2 + 3) * 7 - 1}}, {{#expr: 10 / 4}}, {{#expr: 2 ^ 10}}
* #time with a fixed date: {{#time: j F Y | 2024-02-29}}
* #titleparts: {{#titleparts: A/B/C | 1 | 2}}
* formatnum: {{formatnum:1234567.891}}
* padleft: {{padleft:7|3|0}}
* urlencode: {{urlencode:a b&c}}

== Sections ==
Four headings make a table of contents possible; __FORCETOC__ forces it anyway.

=== One ===
=== Two ===

[[Category:Test pages|Magic]]
""")

hand("IPod (device)", """{{DISPLAYTITLE:iPod (device)}}
The '''iPod''' is a portable media player. The display title starts with a lower-case letter although the stored title is "IPod (device)".

It stored music on a hard disk. Later models used flash memory.

[[Category:Portable media players]]
""")

hand("Rock & Roll Hall of Fame", """The '''Rock &amp; Roll Hall of Fame''' is a museum in this corpus. Its title contains an ampersand with spaces.

== Inductees ==
Inductees include [[AC/DC]] (2003) and the performers of [[Don't Stop Believin']].

[[Category:Music museums]]
""")

hand("O'Brien's Law", """'''O'Brien's Law''' states that every sufficiently complicated title contains at least one apostrophe. The law is named after Ruairí Ó Briain, whose name is spelled O'Brien in English.

== Statement ==
''"Anything that can be mis-quoted, will be."'' The law's name contains two apostrophes: ''O'Brien's''.

[[Category:Adages]]
""")

hand("Hello, World!", """"'''Hello, World!'''" is the traditional first program. The title contains a comma and an exclamation mark.

In [[C++]]:
<pre>std::cout << "Hello, World!";</pre>

[[Category:Computer programming]]
""")

hand("100% Pure", """'''100% Pure''' is an advertising slogan. The percent sign in the title is legal because it is not followed by two hexadecimal digits; a title such as "100%41" would be rejected.

[[Category:Slogans]]
""")

hand("Mission: Impossible (TV series)", """'''''Mission: Impossible''''' is a television series. Its title has a colon and parentheses.

== Episodes ==
{| class="wikitable"
! Season !! Episodes !! First aired
|-
| 1 || 28 || 1966
|-
| 2 || 25 || 1967
|}

[[Category:Television series]]
""")

hand("Straße", """'''Straße''' is the German word for street. The title contains the letter ß, whose upper-case form differs by Unicode version; MediaWiki leaves the first letter alone.

Other examples: ''Hauptstraße'', ''Bahnhofstraße''.

[[Category:German words]]
""")

hand("Ψ (psi)", """'''Psi''' (uppercase '''Ψ''', lowercase '''ψ''') is the 23rd letter of the Greek alphabet. It is used in physics for the wave function, ψ(''x'',''t'').

[[Category:Greek letters]]
""")

hand("En dash – title", """This title contains an en dash (–, U+2013) surrounded by spaces, a common source of broken links when typed as a hyphen.

[[Category:Test pages]]
""")

hand("Only a template", """{{Infobox
| title = Only a template
| label1 = Paragraphs
| data1 = none
}}
[[Category:Test pages]]
""")

hand("Empty lead", """== First section ==
This article has no lead: the first line is a heading.

== Second section ==
* A list only.

[[Category:Test pages]]
""")

hand("Link types", """This page links to many kinds of target: an article [[Mercury (planet)]], a piped link [[Mercury (planet)|the planet]], a link with a fragment [[Mercury (planet)#Orbit|its orbit]], a link to a redirect [[Cairo]], a red link [[This article does not exist]], a link to a category page [[:Category:Stubs]], a template [[Template:Reflist]], a file page [[:File:Missing.png]], a user page [[User:Example]], a talk page [[Talk:Mercury (planet)]], a special page [[Special:Random]], a section of this page [[#Self]], this page itself [[Link types]], an interwiki [[wikipedia:Link]] and a lower-case link [[mercury (planet)]] which MediaWiki normalises.

Links with trails: [[Earth]]ly, [[Jupiter]]'s, [[Paris]]ian. Links with underscores: [[Solar_System]]. Links with unicode: [[Zürich]], [[東京タワー]], [[القاهرة]], [[Grinning Face 😀]]. Links with punctuation: [[AT&T]], [[AC/DC]], [[Why? (film)]], [[Semicolon; a history]], [[Hello, World!]], [["Heroes" (song)]], [[Don't Stop Believin']].

== Self ==
An anchor target.

[[Category:Test pages]]
""")

# ================================================================================================
# Disambiguation pages, redirects
# ================================================================================================

DISAMBIG = []


def disambig(title, text):
    DISAMBIG.append((title, text))


disambig("Mercury", """'''Mercury''' may refer to:

== Science ==
* [[Mercury (planet)]], the planet closest to the Sun
* [[Mercury (element)]], a chemical element (Hg)

== Mythology ==
* [[Mercury (mythology)]], a Roman god

== See also ==
* [[Hermes (disambiguation)]]

{{Disambiguation}}
""")

disambig("Washington", """'''Washington''' commonly refers to:
* [[Washington, D.C.]], the capital of the United States
* [[Washington (state)]], a U.S. state

'''Washington''' may also refer to:

== Places ==
* [[Washington, Tyne and Wear]], a town in England
* [[Washington Island]]

{{Disambiguation|geo}}
""")

disambig("AC", """'''AC''' may refer to:
* [[Alternating current]]
* [[Air conditioning]]
* [[AC/DC]], a band

{{Disambig}}
""")

disambig("Paris (disambiguation)", """'''[[Paris]]''' is the capital of France.

'''Paris''' may also refer to:
* [[Paris, Texas]]
* [[Paris (mythology)]]

[[Category:Disambiguation pages]]
""")

disambig("Tokyo (disambiguation)", """'''Tokyo''' may refer to:
* [[Tokyo]], the capital of Japan
* [[東京タワー|Tokyo Tower]]

[[Category:Disambiguation_pages]]
[[Category:All disambiguation pages]]
""")

REDIRECTS = [
    ("Star Wars Episode IV", "Star Wars: Episode IV"),
    ("ATT", "AT&T"),
    ("AT and T", "AT&T"),
    ("Tokyo Tower", "東京タワー"),
    ("Cairo", "القاهرة"),
    ("Mercury planet", "Mercury (planet)"),
    ("Orbit of Mercury", "Mercury (planet)#Orbit"),
    ("DC", "Washington, D.C."),
    ("Mercury (disambiguation)", "Mercury"),
    ("Telecom double redirect", "ATT"),
    ("Broken redirect", "Nonexistent redirect target"),
    ("Redirect loop A", "Redirect loop B"),
    ("Redirect loop B", "Redirect loop A"),
    ("Random article", "Special:Random"),
    ("Wikipedia interwiki redirect", "wikipedia:Example"),
    ("Potomac River", "Washington, D.C.#Geography"),
    ("Zurich", "Zürich"),
    ("London", "Kerrow"),
]


# ================================================================================================
# Assemble
# ================================================================================================

def build_filler(title, subject, vocab, cats, sections, nparas_per_section=(1, 3), long=False):
    r = rng(title)
    links = [t for t in GENERATED if t != title]
    redlinks = ["Upper Kerrow", "Aldmere Museum", "Eastern Railway Company", "Northmoor Priory",
                "Kerrow Grammar School", "Lorem River"]
    refs = []
    out = []
    if r.random() < 0.5:
        out.append("{{Short description|" + f"{r.choice(ADJ).capitalize()} {vocab[0]} in the corpus" + "}}")
    if r.random() < 0.3:
        out.append("{{Use dmy dates}}")
    lead_bold = f"'''{title.split(' (')[0]}'''"
    first = prose_sentence(r, lead_bold, vocab)
    if lead_bold not in first:
        first = f"{lead_bold} is a {r.choice(ADJ)} {vocab[0]} described in this corpus. " + first
    out.append(first + " " + paragraph(r, subject, vocab, links + redlinks, refs))
    if r.random() < 0.6:
        out.append(paragraph(r, subject, vocab, links, refs))
    for si, sec in enumerate(sections):
        out.append(f"== {sec} ==")
        if r.random() < 0.2 and links:
            out.append("{{Main|" + r.choice(links) + "}}")
        for _ in range(r.randrange(*nparas_per_section) if not long else r.randrange(3, 6)):
            out.append(paragraph(r, subject, vocab, links + redlinks, refs, nsent=(r.randrange(5, 9) if long else None)))
        if long and r.random() < 0.5:
            out.append(f"=== {r.choice(ADJ).capitalize()} {r.choice(vocab)}s ===")
            for _ in range(r.randrange(2, 4)):
                out.append(paragraph(r, subject, vocab, links, refs, nsent=r.randrange(5, 9)))
        x = r.random()
        if x < 0.15:
            out.append("\n".join(f"* {prose_sentence(r, subject, vocab)}" for _ in range(r.randrange(3, 6))))
        elif x < 0.25:
            rows = "\n|-\n".join(f"| {r.choice(YEARS)} || {r.choice(vocab).capitalize()} || {r.randrange(1, 999):,}"
                                 for _ in range(r.randrange(3, 7)))
            out.append('{| class="wikitable"\n! Year !! Item !! Count\n|-\n' + rows + "\n|}")
        elif x < 0.30:
            out.append("{{Quote|" + prose_sentence(r, subject, vocab).replace("=", "&#61;") + "|" + r.choice(PEOPLE) + "}}")
        elif x < 0.35:
            out.append(paragraph(r, subject, vocab, links, refs) + "{{Citation needed|date=May 2023}}")
    if refs:
        out.append("== References ==")
        out.append("{{Reflist}}" if r.random() < 0.7 else "<references />")
    if r.random() < 0.4:
        out.append("== External links ==")
        slug = title.lower().replace(" ", "-").replace("(", "").replace(")", "")
        ext = f"* [https://example.org/{slug} Official website]"
        if r.random() < 0.5:
            ext += f"\n* https://example.com/wiki/{title.replace(' ', '_')}"
        out.append(ext)
    return "\n\n".join(out) + "\n\n" + "\n".join(f"[[Category:{c}]]" for c in cats) + "\n"


def long_paragraph():
    r = rng("The Longest Paragraph")
    vocab = ["clause", "comma", "digression", "sentence", "aside", "parenthesis"]
    sents = []
    while sum(len(s) + 1 for s in sents) < 18000:
        sents.append(decorate(r, prose_sentence(r, "The paragraph", vocab), ["Semicolon; a history", "Citation", "Typography"], None))
    return ("'''The Longest Paragraph''' is an article consisting of a single paragraph of about 18,000 characters with no line breaks at all. "
            + " ".join(sents) + "\n\n[[Category:Test pages]]\n")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus.xml")
    for title, text in HAND:
        page(title, long_paragraph() if title == "The Longest Paragraph" else text)
    for title, subject, vocab, cats, sections in FILLER:
        page(title, build_filler(title, subject, vocab, cats, sections))
    for title, subject, vocab, cats, nsec in LONG:
        r = rng("sections " + title)
        secs = []
        while len(secs) < nsec:
            s = f"{r.choice(ADJ).capitalize()} {r.choice(vocab)}s"
            if s not in secs:
                secs.append(s)
        page(title, build_filler(title, subject, vocab, cats, ["History", "Overview"] + secs + ["Legacy"], long=True))
    for title, text in DISAMBIG:
        page(title, text)
    for title, target in REDIRECTS:
        page(title, f"#REDIRECT [[{target}]]\n\n[[Category:Redirects]]" if title == "ATT" else f"#REDIRECT [[{target}]]")
    page("Empty page", "")

    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write('<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:schemaLocation="http://www.mediawiki.org/xml/export-0.11/ '
                'http://www.mediawiki.org/xml/export-0.11.xsd" version="0.11" xml:lang="en">\n')
        f.write("""  <siteinfo>
    <sitename>Corpus Wiki</sitename>
    <dbname>corpuswiki</dbname>
    <base>http://localhost/wiki/Main_Page</base>
    <generator>tests/mediawiki/make_corpus.py</generator>
    <case>first-letter</case>
    <namespaces>
      <namespace key="0" case="first-letter" />
      <namespace key="10" case="first-letter">Template</namespace>
      <namespace key="14" case="first-letter">Category</namespace>
    </namespaces>
  </siteinfo>
""")
        for i, (title, text) in enumerate(PAGES):
            ns = 10 if title.startswith("Template:") else 14 if title.startswith("Category:") else 0
            data = text.encode("utf-8")
            sha1 = int(hashlib.sha1(data).hexdigest(), 16)
            b36 = ""
            while sha1:
                sha1, d = divmod(sha1, 36)
                b36 = "0123456789abcdefghijklmnopqrstuvwxyz"[d] + b36
            redirect = ""
            if text.startswith("#REDIRECT [["):
                target = text[len("#REDIRECT [["):text.index("]]")].split("#")[0]
                redirect = f"    <redirect title={quoteattr(target)} />\n"
            f.write(f"""  <page>
    <title>{escape(title)}</title>
    <ns>{ns}</ns>
    <id>{1000 + i}</id>
{redirect}    <revision>
      <id>{5000 + i}</id>
      <timestamp>2024-01-{1 + i % 28:02d}T12:00:00Z</timestamp>
      <contributor>
        <username>Corpus</username>
        <id>1</id>
      </contributor>
      <comment>corpus import</comment>
      <model>wikitext</model>
      <format>text/x-wiki</format>
      <text bytes="{len(data)}" xml:space="preserve">{escape(text)}</text>
      <sha1>{b36.rjust(31, "0")}</sha1>
    </revision>
  </page>
""")
        f.write("</mediawiki>\n")
    n_main = sum(1 for t, _ in PAGES if ":" not in t or not t.split(":")[0] in ("Template", "Category"))
    print(f"{out}: {len(PAGES)} pages ({n_main} in the main namespace, {len(REDIRECTS)} redirects, "
          f"{len(DISAMBIG)} disambiguation pages)")


if __name__ == "__main__":
    main()
