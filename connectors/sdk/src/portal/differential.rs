//! The quick scan against quick-xml: on any document, plain or not, well-formed or not,
//! [`parse_page`] (scan, else quick-xml) answers exactly what quick-xml alone answers.

use super::envelope::{Builder, read_with_quick_xml};
use super::{PortalPage, parse_page, write_page};
use crate::error::ConnectorError;
use crate::xml::scan_plain;
use proptest::prelude::*;

fn outcome(r: Result<PortalPage, ConnectorError>) -> Result<PortalPage, (String, String)> {
    r.map_err(|e| (format!("{:?}", e.kind), e.message))
}

fn same(xml: &str) {
    assert_eq!(
        outcome(parse_page(xml)),
        outcome(read_with_quick_xml(xml)),
        "{xml:?}"
    );
}

const FRAGMENTS: &[&str] = &[
    "<response>",
    "</response>",
    "<header>",
    "</header>",
    "<resultCode>",
    "</resultCode>",
    "00",
    "03",
    "22",
    "<body>",
    "</body>",
    "<items>",
    "</items>",
    "<item>",
    "</item>",
    "<item/>",
    "<item />",
    "<a>",
    "</a>",
    "<b>",
    "</b>",
    "<a/>",
    "<b />",
    "<c x=1>",
    "</c>",
    "</c >",
    " ",
    "\n",
    "\r\n",
    "\r",
    "text",
    "가나 다",
    "&amp;",
    "&lt;",
    "&gt;",
    "&quot;",
    "&apos;",
    "&#65;",
    "&#x41;",
    "&#X41;",
    "&#0;",
    "&#-1;",
    "&#x110000;",
    "&bogus;",
    "&",
    ";",
    "<!-- c -->",
    "<![CDATA[x<y]]>",
    "<!DOCTYPE r>",
    "<?xml version=\"1.0\"?>",
    "<?pi?>",
    "<??>",
    "<?",
    "<numOfRows>",
    "</numOfRows>",
    "<pageNo>",
    "</pageNo>",
    "<totalCount>",
    "</totalCount>",
    "12",
    "x",
    "<p:a>",
    "</p:a>",
    "<a b=\"1\">",
    "<a b='>'>",
    "<",
    ">",
    "/",
    "</>",
    "<>",
    "< a>",
    "<a/ >",
    "<returnReasonCode>",
    "</returnReasonCode>",
    "<OpenAPI_ServiceResponse>",
    "</OpenAPI_ServiceResponse>",
    "\u{feff}",
];

const HEAD: &str = "<response><header><resultCode>00</resultCode></header><body><items><item>";
const TAIL: &str = "</item></items><numOfRows>10</numOfRows></body></response>";

#[test]
fn plain_answers_take_the_quick_scan() {
    let items = vec![
        vec![
            ("fineNo", "A&B <1>".to_string()),
            ("amt", " 40,000 ".into())
        ];
        3
    ];
    let xml = write_page(&items, 10, 1, 3);
    let mut b = Builder::default();
    assert!(matches!(scan_plain(&xml, |ev| b.on(ev)), Ok(Ok(()))));
    let page = b.finish().unwrap();
    assert_eq!(page.items.len(), 3);
    assert_eq!(page.items[2].get("fineNo"), Some("A&B <1>"));
    assert_eq!(page.items[2].get("amt"), Some("40,000"));
    same(&xml);
}

#[test]
fn odd_but_valid_documents_read_the_same() {
    for xml in [
        "<response><header><resultCode>0&#48;</resultCode></header><body><items>\
         <item><a>1<b>2</b>3</a><a>4</a><c/><d></d><e> <f/> </e></item><item/></items>\
         <numOfRows>1&#50;</numOfRows></body></response>",
        "<?xml version=\"1.0\"?><!-- c --><response><header><resultCode><![CDATA[00]]>\
         </resultCode></header><body><items><item><a>x\r\ny</a></item></items></body></response>",
        "<OpenAPI_ServiceResponse><cmmMsgHeader><returnReasonCode>2&amp;2</returnReasonCode>\
         </cmmMsgHeader></OpenAPI_ServiceResponse>",
        "<response><header><resultCode>00</resultCode></header></response><x>&bogus;</x>",
    ] {
        same(xml);
    }
}

proptest! {
    #[test]
    fn scan_or_quick_xml_answers_what_quick_xml_answers(
        head in any::<bool>(),
        middle in prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40),
        tail in any::<bool>(),
    ) {
        let mut xml = String::new();
        if head {
            xml.push_str(HEAD);
        }
        middle.iter().for_each(|f| xml.push_str(f));
        if tail {
            xml.push_str(TAIL);
        }
        prop_assert_eq!(outcome(parse_page(&xml)), outcome(read_with_quick_xml(&xml)), "{:?}", xml);
    }

    #[test]
    fn arbitrary_text_reads_the_same(s in ".{0,300}") {
        same(&s);
    }
}
