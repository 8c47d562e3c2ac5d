"""The open-questions development set: single-turn questions on each career, labelled with what should answer them.

Every case is one question sent as a fresh conversation, with its career's slug as page context
(the widget's `data-career`). The label says what a right reply is:

- `intent` + a topic: one of the assistant's intents answers the question as asked, and the
  reply's `last_topic` slot is that action's `topic` (the `topic = "..."` class attributes in
  actions/*.py). Pay figures are "salary", why pay differs is "pay_factors", hours and working
  life "conditions", how to get in "requirements", and so on. A question naming a role title the
  content does not list is labelled by what it asks ("what does an online shop manager earn?"
  is still "salary").
- `retrieved` + source short titles: the content (knowledge/content/careers/<slug>/*.yml) holds
  the specific fact asked for, and no intent is about that question: a statistic, a detail of a
  named scheme or qualification, a task buried deep in a list. The sources are the
  `short_title`s (knowledge/content/sources.yml) of the sources the content cites for that fact;
  the reply is right when `last_topic` is "retrieved" and its source line names any of them. An
  intent reply that happens to list the fact among others still answers another topic.
- `not_covered`: checked against the career's fact sheet in shared/sources/: the sheet says
  nothing on it (the job being replaced by AI, negotiating a pay rise, remote work where the
  sheet is silent, interview or CV tips, a named employer's culture, one city's vacancies, visas,
  perks). Some share a word with a covered fact on purpose ("interview" where the sheet talks of
  interviewing staff, "visa" where a company called Visa sat on a panel): the question decides.

Left out on purpose: questions the content answers only with an explicit gap ("our sources don't
give weekly hours", or e-commerce's guide saying nothing at all on working life), since an intent
answers those honestly and the label would be a coin toss; and the classic not-covered topics
where a career's sheet does cover them (remote work is in the data, digital and marketing
sheets, so there it is a "conditions" question; the growth of merchandiser jobs is a Careerpilot
figure, so it is "retrieved").

Two rounds: about thirty cases per career written first and calibrated on, then about ten more per
career written afterwards by someone who had not seen the replies, measured once as a held-out check
(the figures are in docs/performance.md) and then folded in.

The texts are written for this set, never copied from shared/probes (tests/bench/test_open_cases.py
checks that none equals a probe), and mix plain questions with typos, text-speak, long rambling
messages and role titles the content does not list.
"""
from __future__ import annotations

from dataclasses import dataclass

INTENT = "intent"
RETRIEVED = "retrieved"
NOT_COVERED = "not_covered"
KINDS = (INTENT, RETRIEVED, NOT_COVERED)


@dataclass(frozen=True)
class OpenCase:
    """One labelled question: text, page career, expected kind and topic, sources, and a note on the fact or gap."""

    text: str
    career: str
    kind: str
    topic: str
    sources: tuple[str, ...] = ()
    note: str = ""
    # Other topics whose reply answers it as well, when the reply contains `says` (checked, so a
    # block that only shares the topic never counts).
    also: tuple[str, ...] = ()
    says: str = ""


def intent(career: str, topic: str, text: str, also: tuple[str, ...] = (), says: str = "") -> OpenCase:
    """A question one of the intents answers: `topic` is its action's `last_topic`."""
    return OpenCase(text, career, INTENT, topic, also=also, says=says)


def retrieved(career: str, text: str, sources: tuple[str, ...], note: str,
              also: tuple[str, ...] = (), says: str = "") -> OpenCase:
    """A question a specific fact answers; `sources` are the short titles that hold it."""
    return OpenCase(text, career, RETRIEVED, RETRIEVED, sources, note, also, says)


def not_covered(career: str, text: str, note: str) -> OpenCase:
    """A question the career's sources do not answer; `note` says what the sheet lacks."""
    return OpenCase(text, career, NOT_COVERED, NOT_COVERED, (), note)


ECOM = "ecommerce-management"
DATA = "data-analysis"
DIGITAL = "digital-marketing"
MARKETING = "marketing-management"
MERCH = "merchandising"
BUYING = "retail-buying"
RETAIL = "retail-management"
SOCIAL = "social-media-management"
GUIDE = ("E-commerce manager career guide",)

_ECOMMERCE: tuple[OpenCase, ...] = (
    intent(ECOM, "salary", "how much do ecommerce managers make a year?"),
    intent(ECOM, "skills", "wat skills do i need 4 ecom"),
    intent(ECOM, "degree", "do u need a degree to work in online retail management"),
    intent(ECOM, "apprenticeships", "Are there any apprenticeships that could get me into e-commerce?"),
    intent(ECOM, "progression", "what does the career ladder look like in ecommerce, from the bottom to the top?"),
    intent(ECOM, "next_step", "I'm an e-commerce specialist at the moment, what should I aim for next?"),
    intent(ECOM, "certifications", "what certifications would impress an employer hiring for ecommerce?"),
    intent(ECOM, "self_employment", "so i'm thinking of working for myself eventually - could I set up my own "
                                    "online shop after being an ecom manager?"),
    intent(ECOM, "pay_factors", "why does the salary vary so much between different ecommerce managers"),
    intent(ECOM, "salary", "how much would an online shop manager get paid"),
    intent(ECOM, "teams", "which departments does an e-commerce manager deal with day to day?"),
    intent(ECOM, "specialisations", "what could I specialise in once I'm an ecommerce manager"),
    intent(ECOM, "role", "Hi, so basically I've been working in a clothes shop for about three years now and "
                         "I've been doing bits on our website too, and I was wondering what an ecommerce manager "
                         "actually does all day because I'm not sure it's for me"),
    intent(ECOM, "alternatives", "are btecs ok instead of a levels if i want to go into e-commerce"),
    retrieved(ECOM, "Do e-commerce managers actually get to make decisions or do they just carry out what "
                    "the bosses say?", GUIDE, "the role often carries real influence and decision-making authority"),
    retrieved(ECOM, "would i be researching what customers want as part of the ecom job", GUIDE,
              "responsibility: research what customers need"),
    retrieved(ECOM, "do ecommerce managers have to make sure their decisions fit the company's overall goals?",
              GUIDE, "responsibility: business decisions that fit the company's wider goals"),
    retrieved(ECOM, "Does an e-commerce manager's job stop at the checkout or go all the way to the delivery?",
              GUIDE, "the whole customer journey, from the first click to the parcel at the door",
              also=("role",), says="to the parcel arriving at their door"),
    retrieved(ECOM, "are online sales still growing in most industries or has that slowed down?", GUIDE,
              "online sales keep growing in every sector"),
    retrieved(ECOM, "Is the e-commerce role likely to keep changing with new tech and global trade?", GUIDE,
              "outlook: the role keeps changing with technology, data analytics and global trade"),
    retrieved(ECOM, "do e-commerce managers get involved in running social media campaigns?", GUIDE,
              "responsibility: run social media campaigns", also=("role",), says="run social media campaigns"),
    retrieved(ECOM, "is it true that loads of ecommerce managers started out as marketing assistants?", GUIDE,
              "many started as assistants in a marketing department and worked their way up"),
    not_covered(ECOM, "do ecommerce managers usually get bonuses or share options on top of salary?",
                "pay bands only; no bonuses or shares"),
    not_covered(ECOM, "how do i negotiate a pay rise with my boss, i run our online store", "no pay negotiation"),
    not_covered(ECOM, "What should I put on my CV to land an ecommerce manager job?", "no CV advice"),
    not_covered(ECOM, "whats the company culture like at amazon for ecom people", "no employer is named"),
    not_covered(ECOM, "are there loads of ecommerce jobs going in Leeds right now?", "no local job market"),
    not_covered(ECOM, "I'm from India, would I get a visa to work as an ecommerce manager in the UK?", "no visas"),
    not_covered(ECOM, "any tips for an ecommerce manager interview? what do they ask", "no interview advice"),
    not_covered(ECOM, "Will AI replace ecommerce managers in the next ten years?",
                "the guide says the role keeps changing, nothing on AI replacing it"),
    not_covered(ECOM, "what kind of pension do e-commerce managers usually get", "no pensions or benefits"),
    # The second round, written after the first calibration (see the module docstring).
    intent(ECOM, "importance", "why do shops even need an ecommerce manager? cant the marketing team just "
                               "look after the website"),
    intent(ECOM, "apprenticeships", "which one pays more as an apprentice, the marketing degree apprenticeship "
                                    "or the digital marketer one?"),
    intent(ECOM, "salary", "if ive already got relevant qualifications would i start on more than the basic "
                           "entry level pay in ecommerce?"),
    intent(ECOM, "path", "how many steps is it from e-commerce associate up to director of ecommerce?"),
    intent(ECOM, "networking", "are there professional associations or events where i could meet people "
                               "high up in e-commerce"),
    retrieved(ECOM, "would i be in charge of the money for digital projects as an ecom manager or does finance "
                    "do all that", GUIDE, "responsibility: manage the budget for digital projects",
              also=("role",), says="Manage the budget for digital projects"),
    retrieved(ECOM, "If the website goes down or breaks, is it the e-commerce manager who has to sort it?", GUIDE,
              "responsibility: fix problems on the website", also=("role",), says="Fix problems on the website"),
    not_covered(ECOM, "should i learn shopify or woocommerce first if i want to be an ecommerce manager",
                "website platforms in general; no platform is named"),
    not_covered(ECOM, "do you need to speak another language to get one of the global ecommerce manager jobs?",
                "the global specialism is named; nothing on languages"),
    not_covered(ECOM, "how much do ecommerce managers earn in america, like in dollars",
                "UK pay in pounds only; no other country's figures"),
)

_DATA: tuple[OpenCase, ...] = (
    intent(DATA, "salary", "how much does a data analyst earn in the uk"),
    intent(DATA, "skills", "what skills r needed 4 data analysis"),
    intent(DATA, "degree", "Do I need a degree to become a data analyst?"),
    intent(DATA, "apprenticeships", "is there a level 4 apprenticeship for data analysts?"),
    intent(DATA, "progression", "what's the career path in data from junior analyst upwards?"),
    intent(DATA, "next_step", "I'm a junior data analyst, what would my next step be?"),
    intent(DATA, "specialisations", "what kinds of analyst could I specialise as later on?"),
    intent(DATA, "pay_factors", "Why does data analyst pay differ so much from place to place?"),
    intent(DATA, "salary", "how much do reporting analysts get paid"),
    intent(DATA, "certifications", "are there any certificates for data analysts that are worth getting"),
    intent(DATA, "path", "how do I go from data technician to senior data analyst"),
    intent(DATA, "teams", "which teams would a data analyst work with?"),
    intent(DATA, "conditions", "can data analysts work remotely or do they have to be in the office every day?"),
    intent(DATA, "role", "Hiya, I've been doing admin at a council for a few years and I'm always the one "
                         "sorting out the spreadsheets, people keep telling me I should get into data, so what "
                         "would I actually be doing all day as a data analyst?"),
    retrieved(DATA, "how many people work in the government's analysis function?",
              ("Government Statistical Service",), "around 17,000 people"),
    retrieved(DATA, "when was the cross-government analysis function set up", ("Civil Service World",),
              "set up in 2018"),
    retrieved(DATA, "What share of data and analytics jobs are held by women?", ("HRreview",),
              "28% overall, 40% at entry level (Harnham)"),
    retrieved(DATA, "whats the apprenticeship levy and who has to pay it", ("Cambridge Spark",),
              "employers with a pay bill over £3 million pay 0.5% into it"),
    retrieved(DATA, "On average how long did level 4 apprenticeships last for people who started in 2021/22?",
              ("Explore Education Statistics",), "551 days on average at Level 4"),
    retrieved(DATA, "for the level 4 data analyst assessment, do I need to know subqueries and HAVING in SQL?",
              ("MasteryMind",), "EPA preparation covers joins, GROUP BY, HAVING and subqueries"),
    retrieved(DATA, "Is the certificate from the ONS data science graduate programme accredited?",
              ("ONS Data Science Campus",), "the certificate of completion isn't externally accredited"),
    retrieved(DATA, "what's the difference between a data analyst, a data engineer and a BI developer?",
              ("Careerswerve",), "analysts make reports, engineers build pipelines, BI developers dashboards"),
    retrieved(DATA, "what numbers do analysts keep track of in media and publishing", ("MasteryMind",),
              "unique visitors, bounce rate, time on page, conversion rate, social shares"),
    retrieved(DATA, "Which cities were the placements on the Lloyds data science graduate scheme in?",
              ("Graduate Coach",), "London, Bristol, Cardiff, West Yorkshire and Edinburgh (2023)"),
    not_covered(DATA, "will AI make data analysts redundant in the next few years", "no AI or job-loss outlook"),
    not_covered(DATA, "how do I ask my manager for a pay rise as a data analyst?",
                "the sheet says uncompetitive pay made people leave, nothing on asking for more"),
    not_covered(DATA, "What should I put in my CV for my first data analyst application?", "no CV advice"),
    not_covered(DATA, "what's it like working as an analyst at the BBC, is the culture good?",
                "no BBC as an employer (only BBC as A-level grades)"),
    not_covered(DATA, "are there many data analyst vacancies in Glasgow at the moment", "no local job market"),
    not_covered(DATA, "can i get a skilled worker visa as a data analyst from abroad", "no visas"),
    not_covered(DATA, "what questions do they ask in a data analyst interview, any tips?", "no interview advice"),
    not_covered(DATA, "do data analysts get a good pension and private healthcare?", "no benefits"),
    # The second round, written after the first calibration (see the module docstring).
    intent(DATA, "conditions", "how many days a week do data ppl actually go into the office these days?"),
    intent(DATA, "skills", "do i need to know python or is sql enough for analyst jobs"),
    intent(DATA, "salary", "wot does an MI analyst earn roughly"),
    intent(DATA, "related", "what other jobs are close to data analysis in case i change my mind later on?"),
    retrieved(DATA, "what grades does nottingham want for the data scientist degree apprenticeship",
              ("University of Nottingham School of Mathematical Sciences",),
              "GCSE maths 5 and English 4 plus BBC at A level incl. maths, or a Level 4 data analyst "
              "apprenticeship passed at merit or distinction"),
    retrieved(DATA, "why would a company bring in an outside web analyst, is it usually cos something's broken?",
              ("Econsultancy",), "agency web analysts were often called in when analytics, e-commerce tracking "
                                 "or campaign tagging had gone wrong (c.2012)"),
    retrieved(DATA, "What civil service grade do associate data analysts in government usually start on?",
              ("Government Digital and Data Profession Capability Framework (GOV.UK)",), "often EO or HEO grade"),
    not_covered(DATA, "how do i build a portfolio of projects to show employers when im applying for analyst jobs",
                "no portfolio or application advice"),
    not_covered(DATA, "is being a data analyst really stressful? do people burn out", "nothing on stress or wellbeing"),
    not_covered(DATA, "what's the going day rate for freelance data analysts?", "no freelance work or day rates"),
)

_DIGITAL: tuple[OpenCase, ...] = (
    intent(DIGITAL, "salary", "how much does a digital marketing manager make"),
    intent(DIGITAL, "skills", "wht skills do digital marketers need"),
    intent(DIGITAL, "apprenticeships", "is there an apprenticeship i could do for digital marketing"),
    intent(DIGITAL, "progression", "what's the ladder in digital marketing, like from assistant up to director",
           also=("path",), says="From digital marketing assistant to digital director"),
    intent(DIGITAL, "next_step", "I'm a digital marketing executive, what comes next for me?"),
    intent(DIGITAL, "specialisations", "types of digital marketing jobs I could specialise in?"),
    intent(DIGITAL, "pay_factors", "What affects how much digital marketers get paid?"),
    intent(DIGITAL, "salary", "how much does a performance marketing manager earn"),
    intent(DIGITAL, "conditions", "do digital marketers work long hours?"),
    intent(DIGITAL, "certifications", "Is the Google Ads qualification worth doing for digital marketing?"),
    intent(DIGITAL, "teams", "Which other departments does a digital marketer work alongside?"),
    intent(DIGITAL, "requirements", "ok so i finished my a levels last summer and didn't go to uni, been working "
                                    "in a cafe since, i really like making tiktoks and stuff and someone said "
                                    "digital marketing could be a thing, how would someone like me actually get "
                                    "into it"),
    intent(DIGITAL, "alternatives", "can I do a BTEC or a T level instead of A levels for digital marketing?"),
    intent(DIGITAL, "conditions", "can u work from home in digital marketing"),
    retrieved(DIGITAL, "how often do you have to renew the google ads qualification?", ("nCompass",),
              "a renewal test every year"),
    retrieved(DIGITAL, "How many members does the Chartered Institute of Marketing have?",
              ("Chartered Institute of Marketing (copy on fdocuments.net)",), "over 28,000 members in 2019",
              also=("certifications",), says="over 28,000 members"),
    retrieved(DIGITAL, "how many fewer people worked in marketing and advertising in 2022 than before covid?",
              ("The Drum",), "14% fewer in 2022 than in 2019"),
    retrieved(DIGITAL, "Do most companies have a marketing apprenticeship scheme?", ("emypes.com",),
              "76.7% worked somewhere with no scheme (2026 survey)"),
    retrieved(DIGITAL, "roughly what does a digital marketing apprentice cost an employer each year?",
              ("Lexis Click (employer blog)",), "about £27,167 to £27,667 a year, training included"),
    retrieved(DIGITAL, "How did the digital lead at PLMR start out?", ("PLMR",),
              "started on an Advanced Apprenticeship, went on to lead a regional digital team"),
    retrieved(DIGITAL, "how many guided learning hours is the city and guilds level 3 digital marketing diploma",
              ("City & Guilds (copy on SlideShare)",), "472 guided learning hours, 740 in total"),
    retrieved(DIGITAL, "How many credits is the level 4 digital marketing apprenticeship in Wales worth?",
              ("Find an Apprenticeship – Welsh Government service",), "138 credits"),
    retrieved(DIGITAL, "do degree apprentices have to work a minimum number of hours each week?", ("Prospects",),
              "at least 30 hours a week"),
    retrieved(DIGITAL, "is the multi-channel marketer apprenticeship basically the same as the old digital "
                       "marketer one?", ("The Marketing Trainer (training provider blog)",),
              "very different, with a workplace project in the final assessment"),
    not_covered(DIGITAL, "will ai tools take over digital marketing jobs", "automation only named as a channel"),
    not_covered(DIGITAL, "how should I negotiate my salary when I get a digital marketing job offer?",
                "no pay negotiation"),
    not_covered(DIGITAL, "whats the best way to write a cv for digital marketing roles", "no CV advice"),
    not_covered(DIGITAL, "What's it like to work at an agency like Ogilvy, is the culture good?",
                "no agency culture"),
    not_covered(DIGITAL, "how many digital marketing jobs are there in Bristol", "no local job market"),
    not_covered(DIGITAL, "do I need a visa to do a digital marketing apprenticeship if I'm from Spain?",
                "no visas"),
    not_covered(DIGITAL, "any interview tips for a digital marketing executive role?", "no interview advice"),
    not_covered(DIGITAL, "Do digital marketing jobs come with a company car or a decent pension?", "no benefits"),
    # The second round, written after the first calibration (see the module docstring).
    intent(DIGITAL, "pay_factors", "do men get paid more than women in digital marketing??"),
    intent(DIGITAL, "conditions", "would i have to go to events and trade shows as a digital marketer or is it "
                                  "all sat at a desk"),
    intent(DIGITAL, "skills", "do digital marketers need to know all the GDPR rules and that"),
    intent(DIGITAL, "apprenticeships", "Is there a digital marketing apprenticeship in Scotland?",
           also=("retrieved",), says="Scotland"),
    retrieved(DIGITAL, "can you do a digital marketing apprenticeship with a big retailer, like at a shop chain?",
              ("Prospects",), "Prospects lists digital marketer among the apprenticeships on offer in retail"),
    retrieved(DIGITAL, "in a junior digital marketing exec job would i be writing blog posts and newsletters?",
              ("business2businessmarketing blog",),
              "entry-level executives updated the website, wrote copy for web pages, blogs and newsletters (2012)"),
    retrieved(DIGITAL, "how many credits is the digital strategy module on the CIM level 6 diploma in professional "
                       "marketing", ("Chartered Institute of Marketing (copy on pdfslide.net)",),
              "an optional 15-credit Digital Strategy module, taken with both compulsory modules"),
    not_covered(DIGITAL, "is the hubspot inbound marketing certificate worth getting for digital marketing jobs",
                "no HubSpot; only CIM, BCS and Google Ads are named"),
    not_covered(DIGITAL, "what do digital marketers earn in dubai, is it tax free out there?",
                "UK pay only; nothing on other countries or tax"),
    not_covered(DIGITAL, "I'm dyslexic, would that hold me back in a digital marketing career? I'm worried about "
                         "all the writing", "nothing on dyslexia or disability"),
)

_MARKETING: tuple[OpenCase, ...] = (
    intent(MARKETING, "salary", "what does a marketing director earn"),
    intent(MARKETING, "skills", "skills needed to be a marketing manager?"),
    intent(MARKETING, "certifications", "Is it worth getting CIM qualifications for a marketing career?"),
    intent(MARKETING, "progression", "what's the career ladder in marketing?"),
    intent(MARKETING, "next_step", "I'm a marketing executive at the moment, what would my next step be?"),
    intent(MARKETING, "path", "how long does it take to go from marketing assistant to marketing manager"),
    intent(MARKETING, "pay_factors", "Do marketers earn more in some industries than in others?"),
    intent(MARKETING, "salary", "how much does a marketing lead get paid"),
    intent(MARKETING, "apprenticeships", "are there marketing apprenticeships?"),
    intent(MARKETING, "degree", "do you need a degree for marketing jobs"),
    intent(MARKETING, "teams", "which teams does a marketing manager work with"),
    intent(MARKETING, "related", "what other careers are close to marketing?"),
    intent(MARKETING, "conditions", "can marketing managers work remotely or is it office only?"),
    intent(MARKETING, "importance", "so my mum runs a small bakery and I've been doing all her instagram and "
                                    "flyers and I actually love it, I'm 17, I'm wondering whether marketing "
                                    "management is a real career and why companies even need marketing managers"),
    retrieved(MARKETING, "how long do CMOs usually stay in the job?", ("Exec Capital (executive search)",),
              "under three years on average, the shortest of the C-suite"),
    retrieved(MARKETING, "What do you need to become a Chartered Marketer?", ("Chartered Institute of Marketing",),
              "ACIM, MCIM or FCIM, two years of CPD and an online assessment"),
    retrieved(MARKETING, "how many graduates do IPA agencies take on each year?", ("LSE Careers",),
              "roughly 600 to 700 a year"),
    retrieved(MARKETING, "what share of advertising workers are based in london", ("LSE Careers",),
              "about three in four of roughly 25,000"),
    retrieved(MARKETING, "At what size does a company need a full-time CMO?", ("Highland Edge",),
              "from about £10m-£15m revenue, one consultancy's opinion"),
    retrieved(MARKETING, "How many people worked in marketing according to the ONS in 2011?",
              ("Staffing Industry Analysts",), "about 553,000, up from 459,000 in 2007"),
    retrieved(MARKETING, "how many years of experience do you need for MCIM membership?",
              ("Chartered Institute of Marketing", "Professional Academy (CIM course provider)"),
              "a CIM diploma plus seven years at management level, or ten years with seven managing"),
    retrieved(MARKETING, "Do schools ever talk to students about marketing as a career?", ("Marketing Week",),
              "51% of 18-24-year-old students said never or hardly ever (2018)"),
    retrieved(MARKETING, "how many applications per vacancy do fmcg graduate schemes get", ("TARGETjobs",),
              "119 per vacancy in 2016 (AGR)"),
    retrieved(MARKETING, "What's the maximum funding for the advertising and media executive apprenticeship?",
              ("Institute for Apprenticeships and Technical Education",), "£11,000"),
    not_covered(MARKETING, "will AI replace marketing managers one day", "no AI outlook"),
    not_covered(MARKETING, "how do I negotiate a pay rise as a marketing manager?",
                "pay drives job moves, nothing on negotiating"),
    not_covered(MARKETING, "cv tips for a marketing executive job?", "no CV advice"),
    not_covered(MARKETING, "what's the culture like in the marketing team at Coca-Cola", "no such employer"),
    not_covered(MARKETING, "how's the marketing job market in Cardiff right now?", "no local job market"),
    not_covered(MARKETING, "Can I get a work visa to be a marketing manager in the UK?",
                "Visa appears only as a company on an apprenticeship panel"),
    not_covered(MARKETING, "what kind of questions come up in a marketing manager interview", "no interview advice"),
    not_covered(MARKETING, "Do marketing managers get private health insurance as a perk?", "no benefits"),
    # The second round, written after the first calibration (see the module docstring).
    intent(MARKETING, "pay_factors", "do you earn more if you're a CIM member?"),
    intent(MARKETING, "conditions", "do marketing directors end up working crazy long weeks"),
    intent(MARKETING, "specialisations", "what areas can a marketing manager specialise in, like brand or product?"),
    intent(MARKETING, "compare", "whats the difference between general marketing and digital marketing as a career"),
    retrieved(MARKETING, "what happened to trainee numbers at ad agencies in the 2009 recession?", ("Campaign",),
              "first-year trainees fell from 3.9% of agency staff in 2008 to about 1.3% in 2009 (IPA)"),
    retrieved(MARKETING, "is there more marketing work around now because of green and sustainable products?",
              ("Institute for Apprenticeships and Technical Education",),
              "the growing green economy creates marketing work explaining sustainable products"),
    retrieved(MARKETING, "why did the agency Bray Leino start taking on apprentices?",
              ("Apprenticeships blog (GOV.UK)",),
              "graduates it trained often left after about 18 months; it joined the IPA's Creative Pioneers in 2012"),
    not_covered(MARKETING, "how should i set up my linkedin so marketing recruiters actually notice me",
                "no LinkedIn or profile advice"),
    not_covered(MARKETING, "what's maternity leave usually like for marketing managers? thinking ahead",
                "no leave or family benefits"),
    not_covered(MARKETING, "is doing an MBA worth it if i want to be a marketing director one day?",
                "CIM qualifications and degrees; nothing on MBAs"),
)

_MERCH: tuple[OpenCase, ...] = (
    intent(MERCH, "salary", "how much do merchandisers earn"),
    intent(MERCH, "skills", "what skills does a merchandiser need?"),
    intent(MERCH, "degree", "do i need a degree to get into merchandising"),
    intent(MERCH, "apprenticeships", "merchandising apprenticeships??"),
    intent(MERCH, "progression", "How do merchandisers progress, what's the ladder?"),
    intent(MERCH, "next_step", "I'm an allocator, what's my next step?"),
    intent(MERCH, "conditions", "what hours do merchandisers work"),
    intent(MERCH, "compare", "whats the diffrence between buying and merchandising"),
    intent(MERCH, "salary", "how much does a stock planner make"),
    intent(MERCH, "pay_factors", "does where you live affect how much merchandisers are paid"),
    intent(MERCH, "teams", "who do merchandisers work with?"),
    intent(MERCH, "path", "how do I go from allocator to merchandiser and how long does it take"),
    intent(MERCH, "role", "I'm in year 13 doing maths, business and economics, I'm decent with numbers and I "
                          "like fashion but I can't draw at all lol, what does a merchandiser actually do, would "
                          "it suit me?"),
    retrieved(MERCH, "Are BOGOF offers decided by the merchandiser or by someone else?", ("All About Careers",),
              "buy one get one free is usually the merchandiser's decision"),
    retrieved(MERCH, "what are shop layout plans called in merchandising", ("Prospects",),
              "layout plans are sometimes called 'statements'"),
    retrieved(MERCH, "Is merchandising the same thing as doing the window displays?", ("Retail Appointment",),
              "the numbers side of retail, not visual merchandising"),
    retrieved(MERCH, "are merchandiser jobs expected to grow over the next few years?", ("Careerpilot",),
              "1.8% more retail merchandiser jobs by 2029"),
    retrieved(MERCH, "do you get a maths test when you apply for merchandising jobs?",
              ("Retail Appointment", "Prospects"), "applicants are often given number tests"),
    retrieved(MERCH, "in a small company would one person do both the buying and the merchandising?",
              ("Careerpilot",), "in smaller firms one person may do both"),
    retrieved(MERCH, "who makes the split lists for the warehouse?", ("Seasalt (copy on studylib.net)",),
              "allocators make split lists for the warehouse"),
    retrieved(MERCH, "can merchandising assistants work outside retail, like in food and drink or logistics?",
              ('copy on Liverpool City Region "Be More" site',),
              "also in wholesale, manufacturing, logistics, food and drink, e-commerce"),
    retrieved(MERCH, "when you merchandise for online do you have to plan for people sending stuff back?",
              ("TARGETjobs",), "online, you also plan for returns"),
    retrieved(MERCH, "what do assistant merchandisers prepare for the monday trading meeting", ("JobLeads",),
              "weekly reviews for Monday trading meetings (JD Outdoor advert)"),
    not_covered(MERCH, "can merchandisers work from home, or is hybrid a thing?",
                "shop, office or head office only; nothing on home working"),
    not_covered(MERCH, "how do i negotiate a higher salary as a merchandiser",
                "negotiation only with suppliers"),
    not_covered(MERCH, "what should my cover letter say for an assistant merchandiser job?", "no application letters"),
    not_covered(MERCH, "what's it like working in merchandising at Primark, is it a good place?", "no such employer"),
    not_covered(MERCH, "are there many merchandising jobs in Birmingham", "no local job market"),
    not_covered(MERCH, "will AI and automation replace merchandisers?", "growth figure only, no AI"),
    not_covered(MERCH, "I'm on a student visa, am I allowed to take a merchandising placement?", "no visas"),
    not_covered(MERCH, "do merchandisers get a staff discount?", "no perks"),
    # The second round, written after the first calibration (see the module docstring).
    intent(MERCH, "pay_factors", "do merchandisers get paid more if theyve looked after bigger budgets before?"),
    intent(MERCH, "conditions", "would i be working in a shop or at head office as a merchandiser",
           also=("retrieved",), says="shop or in an office"),
    intent(MERCH, "alternatives", "what college courses could get me into merchandising if I don't do A levels?",
           also=("retrieved",), says="college course"),
    intent(MERCH, "specialisations", "wat types of merchandiser r there, like ones that just do online?"),
    retrieved(MERCH, "do merchandisers ever go and visit the factories where the stuff gets made?", ("Careerpilot",),
              "visit manufacturers with buyers to learn how products are made"),
    retrieved(MERCH, "is it true most graduates would rather go into buying than merchandising",
              ("Success Appointments",),
              "a recruiter says most graduates want to go into buying rather than merchandising"),
    retrieved(MERCH, "Are there many graduate schemes that are just for merchandising?", ("Prospects",),
              "few schemes just for merchandising, though some retail management schemes include it"),
    not_covered(MERCH, "which stock system do merchandisers use, is it SAP?",
                "specialist software and Excel; no system is named"),
    not_covered(MERCH, "be honest, is merchandising a really stressful job", "nothing on stress or pressure"),
    not_covered(MERCH, "do merchandisers get a bonus at the end of the year on top of their salary?",
                "pay bands only; no bonuses"),
)

_BUYING: tuple[OpenCase, ...] = (
    intent(BUYING, "salary", "how much does a retail buyer earn"),
    intent(BUYING, "skills", "what skills do buyers need"),
    intent(BUYING, "requirements", "how do i become a fashion buyer?"),
    intent(BUYING, "apprenticeships", "Are there buying apprenticeships?"),
    intent(BUYING, "progression", "what's the career ladder for buyers"),
    intent(BUYING, "next_step", "I'm an assistant buyer, what's next?"),
    intent(BUYING, "conditions", "do buyers have to travel abroad much?", also=(RETRIEVED,), says="abroad"),
    intent(BUYING, "specialisations", "what kinds of buyer can you specialise as"),
    intent(BUYING, "salary", "how much does a product buyer get paid"),
    intent(BUYING, "pay_factors", "Do buyers get paid more in London?"),
    intent(BUYING, "networking", "how do I network as a buyer?"),
    intent(BUYING, "path", "how do I get from junior buyer to head of buying"),
    intent(BUYING, "role", "hey!! ok so I work at a shoe shop on saturdays and I'm obsessed with trainers, my "
                           "manager said I'd make a good buyer but honestly I don't really know what a buyer does "
                           "all day, can you explain??"),
    retrieved(BUYING, "does TK Maxx buy months in advance like other shops do?", ("TARGETjobs",),
              "TK Maxx buys and brings in new lines every week"),
    retrieved(BUYING, "what's the application process usually like for retail buying grad schemes?",
              ("TARGETjobs",), "online form, video interview, then an assessment day"),
    retrieved(BUYING, "Which retailers helped write the buying apprenticeship standards?",
              ("Institute for Apprenticeships and Technical Education",),
              "Ocado, Superdrug, Arcadia, M&S, Debenhams, JD Sports, John Lewis, Co-op, Sainsbury's, Travis Perkins"),
    retrieved(BUYING, "what are the different kinds of buying, like new products vs reorders?",
              ("Retail Appointment",), "new product, routine re-order, tweaking an existing line"),
    retrieved(BUYING, "can a buyer's job be really narrow, like just one type of handbag?",
              ("cross-stitch-centre.co.uk",), "some cover a narrow category, e.g. handbags for teenage girls"),
    retrieved(BUYING, "Do big retailers tend to promote buyers from within?", ("Fashion & Retail Personnel",),
              "big brands often promote buyers from inside (Debenhams HR, 2012)"),
    retrieved(BUYING, "do buyers work for tv shopping channels too?", ("Careers Wales",),
              "Careers Wales adds TV shopping channels"),
    retrieved(BUYING, "How old do you have to be to start a buying apprenticeship at the Fashion Retail Academy?",
              ("Fashion Retail Academy",), "16 or over"),
    retrieved(BUYING, "did lidl's buying graduate scheme come with a car?", ("TARGETjobs",),
              "£37,000 plus a car"),
    retrieved(BUYING, "do buyers have to think about sustainability and ethical sourcing when choosing stock?",
              ("fnfcampustour.com",), "think about sustainability and ethical sourcing when deciding what to buy"),
    not_covered(BUYING, "how can I negotiate a pay rise as a junior buyer?", "negotiation only with suppliers"),
    not_covered(BUYING, "will AI take over buying jobs in fashion", "no AI outlook"),
    not_covered(BUYING, "cv tips for getting a buying internship", "no CV advice"),
    not_covered(BUYING, "what's the culture like at ASOS head office for buyers?", "no such employer"),
    not_covered(BUYING, "are there lots of buying jobs in Manchester", "no local job market"),
    not_covered(BUYING, "can I get sponsored for a UK visa as a buyer?", "no visas"),
    not_covered(BUYING, "do buyers get a clothing allowance or a staff discount?",
                "discount appears only as stock discounting"),
    not_covered(BUYING, "would I be able to do a buying job fully remote from Cornwall?",
                "office and travel, flexible hours; nothing on remote work"),
    # The second round, written after the first calibration (see the module docstring).
    intent(BUYING, "conditions", "can you do buying part time or as a job share? I have two little ones"),
    intent(BUYING, "related", "what other jobs are similar to buying if i dont manage to get in"),
    intent(BUYING, "degree", "does it matter what i study at uni if i want to end up a buyer?"),
    intent(BUYING, "salary", "whats a homeware buyer's salary like"),
    retrieved(BUYING, "are buying internships normally paid or unpaid?", ("Drapers",),
              "a fashion recruiter says the placement or internship is often unpaid",
              also=("experience",), says="often unpaid"),
    retrieved(BUYING, "do buyers only buy finished products or do some of them buy fabric?", ("TARGETjobs",),
              "some buying jobs deal with fabrics rather than finished products"),
    retrieved(BUYING, "is there a weekly buying meeting, like every monday morning?", ("Retail Appointment",),
              "buyers usually join Monday morning buying meetings and strategy meetings"),
    not_covered(BUYING, "do buyers get to keep the free samples suppliers send in?",
                "samples are tested and delivered; nothing on keeping them"),
    not_covered(BUYING, "are buyers allowed to accept gifts or fancy dinners from suppliers?",
                "nothing on gifts or hospitality from suppliers"),
    not_covered(BUYING, "Right so I've been a sales assistant at a department store for about two years and my "
                        "goal is to be a buyer, and my boyfriend lives in New York so I was wondering what buyers "
                        "get paid over there compared to here?", "UK pay only; nothing on New York or the US"),
)

_RETAIL: tuple[OpenCase, ...] = (
    intent(RETAIL, "salary", "how much does a store manager earn"),
    intent(RETAIL, "skills", "what skills do retail managers need"),
    intent(RETAIL, "degree", "do i need a degree to be a retail manager?"),
    intent(RETAIL, "apprenticeships", "retail manager apprenticeship?"),
    intent(RETAIL, "progression", "how do you progress in retail management"),
    intent(RETAIL, "next_step", "I'm a supervisor in a supermarket, what's my next step"),
    intent(RETAIL, "conditions", "what are the hours like for a store manager, do they work weekends"),
    intent(RETAIL, "salary", "what does a duty manager get paid"),
    intent(RETAIL, "pay_factors", "why do store manager salaries vary so much"),
    intent(RETAIL, "compare", "retail management or retail buying, which pays more?"),
    intent(RETAIL, "path", "how many years would it take me to go from shop floor assistant to running a store?"),
    intent(RETAIL, "related", "what other jobs could a store manager move into?"),
    intent(RETAIL, "role", "Honestly I've worked in retail for 6 years, started on tills, now I'm a team leader "
                           "and I keep getting told I should go for management but I'm not sure I'm cut out for it, "
                           "what does a retail manager actually have to do?"),
    retrieved(RETAIL, "How many people did UK retail employ in 2014?",
              ("People 1st (via AFO / SSC Alliance library)",), "2.77 million workers, 286,000 businesses"),
    retrieved(RETAIL, "will i have to move to a different area to get promoted in retail?", ("TARGETcareers",),
              "often need to be willing to relocate for promotion and training"),
    retrieved(RETAIL, "what does Aldi pay store staff inside the M25?", ("newshub.co.uk",),
              "£14.88 an hour inside the M25 from April 2026"),
    retrieved(RETAIL, "What's in the end assessment for the level 4 retail manager apprenticeship?",
              ("MasteryMind",), "knowledge test, portfolio discussion, business project presentation"),
    retrieved(RETAIL, "what does the first year of Aldi's area manager programme involve?",
              ("The Nantwich News",), "a year of training in stores, a distribution centre and head office"),
    retrieved(RETAIL, "do store managers have to wear a uniform?", ("Input Youth",),
              "many stores give you a uniform"),
    retrieved(RETAIL, "Could a big retail chain send me to work somewhere else in Europe?", ("TARGETcareers",),
              "big chains may offer jobs in other parts of Europe"),
    retrieved(RETAIL, "how often does an aldi area manager go out to the stores", ("politicmag.net",),
              "visited a different store every day"),
    retrieved(RETAIL, "Who designed the retail leader degree apprenticeship?", ("FashionUnited UK",),
              "the Retail Trust with 12 retailers"),
    retrieved(RETAIL, "how long does a level 2 retail apprenticeship take", ("Find Apprenticeships",),
              "about 12 to 15 months", also=("apprenticeships",), says="Level 2, standard ST0327, 14 months"),
    not_covered(RETAIL, "can store managers work from home some days?", "store or office; nothing on home working"),
    not_covered(RETAIL, "how do I ask my area manager for a pay rise", "no pay negotiation"),
    not_covered(RETAIL, "any tips for writing a CV for a store manager job?", "no CV advice"),
    not_covered(RETAIL, "What's it like to work at Sports Direct as a store manager, is the culture ok?",
                "no such employer"),
    not_covered(RETAIL, "how's the retail job market in Newcastle at the moment", "no local job market"),
    not_covered(RETAIL, "will self checkouts and robots replace store managers?",
                "a growth figure only, nothing on automation"),
    not_covered(RETAIL, "what questions do they ask in a store manager interview?",
                "only managers interviewing their own staff"),
    not_covered(RETAIL, "I'm on a student visa, how many hours can I work as a shop supervisor?", "no visas"),
    # The second round, written after the first calibration (see the module docstring).
    intent(RETAIL, "pay_factors", "do shop managers get commission or bonuses on top of their wage"),
    intent(RETAIL, "salary", "what do mcdonalds trainee managers earn?"),
    intent(RETAIL, "certifications", "is there any professional status i can get as a retail manager, like "
                                     "becoming chartered?", also=("retrieved",), says="Chartered Manager"),
    intent(RETAIL, "teams", "who's a store manager's boss? do they answer to head office or someone else"),
    retrieved(RETAIL, "would i have to advertise the shop in the local paper and that as the manager?", ("incz.info",),
              "promote the store locally, for example through the local paper and the community"),
    retrieved(RETAIL, "do store managers have to do full stock counts to catch theft?", ("Bright Network",),
              "run full stock counts to spot theft or mistakes"),
    retrieved(RETAIL, "Who is the level 4 retail manager apprenticeship actually aimed at?", ("pdfslide.net copy",),
              "people heading for senior store manager or area manager jobs, or managing other managers"),
    not_covered(RETAIL, "I just got made supervisor and half the team are my mates, how do I manage people who "
                        "used to be my friends on the shop floor?", "no advice on managing former peers"),
    not_covered(RETAIL, "do you need a driving licence to be an area manager", "company cars on grad schemes; "
                                                                               "nothing on licences"),
    not_covered(RETAIL, "how many days holiday do store managers get a year?",
                "bank holidays and holiday seasons only as working hours; no leave entitlement"),
)

_SOCIAL: tuple[OpenCase, ...] = (
    intent(SOCIAL, "salary", "how much do social media managers get paid"),
    intent(SOCIAL, "skills", "skills for social media manager"),
    intent(SOCIAL, "degree", "do I need a degree to work in social media?"),
    intent(SOCIAL, "apprenticeships", "is there a social media apprenticeship"),
    intent(SOCIAL, "progression", "career progression in social media?"),
    intent(SOCIAL, "next_step", "I'm a social media executive, what should my next move be?"),
    intent(SOCIAL, "self_employment", "can i be a freelance social media manager"),
    intent(SOCIAL, "salary", "what does a social media coordinator earn"),
    intent(SOCIAL, "conditions", "what are the hours like in social media jobs"),
    intent(SOCIAL, "conditions", "would I have to post at night for audiences in other countries?"),
    intent(SOCIAL, "specialisations", "what can I specialise in within social media"),
    intent(SOCIAL, "teams", "who does a social media manager work with"),
    intent(SOCIAL, "certifications", "are there any certs worth getting for social media?"),
    intent(SOCIAL, "importance", "my little brother keeps saying being a social media manager isn't a real job "
                                 "and it's just posting memes all day, is it actually a proper career and why do "
                                 "companies need one?"),
    retrieved(SOCIAL, "what percentage of social media managers feel their bosses don't get social media?",
              ("MediaPost",), "56% (Hootsuite report, not UK-only)"),
    retrieved(SOCIAL, "How much of a content creator apprenticeship is training away from the job?",
              ("Discover Creative Careers",), "at least 20% off-the-job training"),
    retrieved(SOCIAL, "did people who did the junior content producer apprenticeship stay in the industry?",
              ("Big Creative Education",), "77% of apprentices stayed on in the industry"),
    retrieved(SOCIAL, "What was seen as the biggest growth area in social media back in 2017?", ("The Drum",),
              "influencer marketing, moving to micro-influencers"),
    retrieved(SOCIAL, "how many people in the uk were expected to be on social networks by 2023",
              ("Northumbria University",), "50 million"),
    retrieved(SOCIAL, "Can apprenticeship funding pay for platform certificates like Meta's?",
              ("Accelerate People (training provider)",), "funding can't be used to pay for vendor certificates"),
    retrieved(SOCIAL, "how many years experience do social media manager jobs normally ask for?",
              ("Digital Waffle",), "three to six years running social channels"),
    retrieved(SOCIAL, "was social media always its own job or did it use to be part of PR?",
              ("Northumbria University",), "once a small task inside PR or digital marketing, now a full-time job"),
    retrieved(SOCIAL, "does a social media manager have to deal with complaints too?",
              ("AllAboutCareers", "Bright Network"), "deal with recurring complaints; reply to customers' comments"),
    retrieved(SOCIAL, "what's the funding cap on the content creator apprenticeship?",
              ("Accelerate People (training provider)",), "capped at £10,000, which is not pay"),
    not_covered(SOCIAL, "can I work from home as a social media manager?", "office work only; nothing on home working"),
    not_covered(SOCIAL, "how do I ask for a raise as a social media exec", "pay rising with experience, no asking"),
    not_covered(SOCIAL, "what should I put on my CV for a social media job?", "no CV advice"),
    not_covered(SOCIAL, "what's the work culture like at TikTok's London office?", "TikTok only as a platform"),
    not_covered(SOCIAL, "are there social media manager jobs going in Liverpool?", "no local job market"),
    not_covered(SOCIAL, "will AI write all the posts in future so the job just disappears?", "no AI outlook"),
    not_covered(SOCIAL, "interview tips for a social media manager role pls", "no interview advice"),
    not_covered(SOCIAL, "do I need a visa to work in social media in the UK, I'm Australian", "no visas"),
    # The second round, written after the first calibration (see the module docstring).
    intent(SOCIAL, "pay_factors", "do social media ppl earn less than normal marketers??",
           also=("retrieved",), says="below average marketing pay"),
    intent(SOCIAL, "skills", "do i need to know how to use hootsuite for social media jobs"),
    intent(SOCIAL, "alternatives", "is a btec in media any good for getting into social media work?"),
    intent(SOCIAL, "related", "if i get bored of social media later what other jobs could i move into"),
    retrieved(SOCIAL, "is the job different at a tiny company compared to a big brand's social team?",
              ("Digital Waffle",), "small company: everything from content to reporting; bigger team: strategy, "
                                   "planning and working with others"),
    retrieved(SOCIAL, "is there an age limit on creative apprenticeships? im 29 and want to retrain in social media",
              ("Discover Creative Careers",), "open from age 16 with no upper age limit"),
    retrieved(SOCIAL, "in wales do apprentices get paid for the hours they spend training as well?", ("Sgil Cymru",),
              "Level 4 creative and digital media apprentices must be paid for all their hours, training included"),
    not_covered(SOCIAL, "how many followers do i need on my own insta before anyone hires me as a social media "
                        "manager", "no follower counts"),
    not_covered(SOCIAL, "how do social media managers cope with trolls and abuse in the comments, does it mess "
                        "with your mental health?", "crisis communications named; nothing on abuse or mental health"),
    not_covered(SOCIAL, "hiya so I run the instagram for my mum's nail salon and I've grown it loads, I'm thinking "
                        "of moving to Canada next year, what do social media managers earn over there?",
                "UK pay only; nothing on Canada"),
)

OPEN_CASES: tuple[OpenCase, ...] = (*_ECOMMERCE, *_DATA, *_DIGITAL, *_MARKETING, *_MERCH, *_BUYING, *_RETAIL,
                                    *_SOCIAL)
