//! The search of one citizen key, every page, as `search.paging` says: one request (`none`),
//! page numbers (`page`), offsets (`offset`) or cursors (`cursor`). The loops and their
//! guards are the SDK's (`minwon_connector_sdk::paging`); this module only builds each page's
//! request and reads what the loop needs from its answer.

use crate::connector::DeclarativeConnector;
use crate::request::{Call, Param};
use crate::spec::{ConstParam, Paging, ParamIn};
use minwon_connector_sdk::paging::{
    CursorLimits, CursorPage, OffsetLimits, OffsetPage, PagingLimits, fetch_all, fetch_all_cursor,
    fetch_all_offset,
};
use minwon_connector_sdk::portal::Item;
use minwon_connector_sdk::{CallContext, ConnectorError, ErrorKind};

impl DeclarativeConnector {
    /// The key and the constant parameters of a search (every page carries them).
    fn search_params(&self, key: &str) -> Vec<(&str, Param, ParamIn)> {
        let s = &self.spec.search;
        let mut params = vec![(s.key_param.as_str(), Param::Text(key.to_string()), s.key_in)];
        params.extend(s.params.iter().map(|(name, v)| {
            let v = match v {
                ConstParam::Number(n) => Param::Number(u64::from(*n)),
                ConstParam::Text(t) => Param::Text(t.clone()),
            };
            (name.as_str(), v, s.key_in)
        }));
        params
    }

    /// The search request with the key, the constants and `extra` (paging) parameters.
    fn search_call<'a>(&'a self, key: &str, extra: Vec<(&'a str, Param)>) -> Call<'a> {
        let s = &self.spec.search;
        let mut params = self.search_params(key);
        params.extend(extra.into_iter().map(|(n, v)| (n, v, s.key_in)));
        Call {
            method: s.method,
            path: &s.path,
            params,
        }
    }

    /// Every record of one citizen key, every page.
    pub(crate) async fn search(
        &self,
        key: String,
        ctx: &CallContext,
    ) -> Result<Vec<Item>, ConnectorError> {
        let s = &self.spec.search;
        let deadline = ctx.deadline;
        match &s.paging {
            Paging::None => {
                let call = self.search_call(&key, Vec::new());
                match self.send(call, self.shape(&s.items, None, None), ctx).await {
                    Ok(answer) => Ok(answer.page.items),
                    Err(e) if e.kind == ErrorKind::NotFound => Ok(Vec::new()),
                    Err(e) => Err(e),
                }
            }
            Paging::Page {
                page_param,
                size_param,
                size,
                max_pages,
                total,
            } => {
                let limits = PagingLimits {
                    page_size: *size,
                    max_pages: *max_pages,
                    deadline,
                };
                fetch_all(limits, |page_no| {
                    let call = self.search_call(
                        &key,
                        vec![
                            (page_param.as_str(), Param::Number(u64::from(page_no))),
                            (size_param.as_str(), Param::Number(u64::from(*size))),
                        ],
                    );
                    let shape = self.shape(&s.items, total.as_deref(), None);
                    async move { Ok(self.send(call, shape, ctx).await?.page) }
                })
                .await
            }
            Paging::Offset {
                offset_param,
                limit_param,
                limit,
                max_pages,
                total,
            } => {
                let limits = OffsetLimits {
                    limit: *limit,
                    max_pages: *max_pages,
                    deadline,
                    with_total: total.is_some(),
                };
                fetch_all_offset(limits, |offset| {
                    let call = self.search_call(
                        &key,
                        vec![
                            (offset_param.as_str(), Param::Number(offset)),
                            (limit_param.as_str(), Param::Number(u64::from(*limit))),
                        ],
                    );
                    let shape = self.shape(&s.items, total.as_deref(), None);
                    async move {
                        let page = self.send(call, shape, ctx).await?.page;
                        Ok(OffsetPage {
                            items: page.items,
                            total: page.total_count.map(u64::from),
                        })
                    }
                })
                .await
            }
            Paging::Cursor {
                cursor_param,
                next,
                size_param,
                size,
                max_pages,
            } => {
                let limits = CursorLimits {
                    size: *size,
                    max_pages: *max_pages,
                    deadline,
                };
                fetch_all_cursor(limits, |cursor| {
                    let mut extra = Vec::new();
                    if let Some(c) = cursor {
                        extra.push((cursor_param.as_str(), Param::Text(c)));
                    }
                    if let (Some(p), Some(n)) = (size_param, size) {
                        extra.push((p.as_str(), Param::Number(u64::from(*n))));
                    }
                    let call = self.search_call(&key, extra);
                    let shape = self.shape(&s.items, None, Some(next.as_str()));
                    async move {
                        let answer = self.send(call, shape, ctx).await?;
                        Ok(CursorPage {
                            items: answer.page.items,
                            next: answer.next,
                        })
                    }
                })
                .await
            }
        }
    }
}
