//! API Gateway HTTP APIs: the API, one Lambda proxy integration and route per route key, the `$default`
//! auto-deployed stage, and the permission for API Gateway to invoke each function.

use std::collections::BTreeMap;

use anyhow::Result;
use aws_sdk_apigatewayv2::types::{Api, Cors, IntegrationType, ProtocolType};
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Props, aws_error, code};

async fn find(c: &Call<'_>) -> Result<Option<Api>> {
    let pages = super::token_pages!("apigatewayv2:GetApis", c.aws.apigw.get_apis());
    Ok(pages
        .iter()
        .flat_map(|p| p.items())
        // An adopted API is known by its id (names are not unique); fintech's own by name.
        .find(|a| a.name() == Some(c.name.as_str()) || a.api_id() == Some(c.name.as_str()))
        .cloned())
}

/// Integration id -> URI (the function ARN), every page.
async fn integrations(c: &Call<'_>, api: &str) -> Result<BTreeMap<String, String>> {
    let pages = super::token_pages!(
        "apigatewayv2:GetIntegrations",
        c.aws.apigw.get_integrations().api_id(api)
    );
    Ok(pages
        .iter()
        .flat_map(|p| p.items())
        .map(|i| {
            (
                i.integration_id().unwrap_or_default().to_string(),
                i.integration_uri().unwrap_or_default().to_string(),
            )
        })
        .collect())
}

/// Route key -> (route id, integration id, function ARN).
async fn routes(c: &Call<'_>, api: &str) -> Result<BTreeMap<String, (String, String, String)>> {
    // The integrations and the routes, at once.
    let (uri, routes) = futures::try_join!(integrations(c, api), async {
        Ok::<_, anyhow::Error>(super::token_pages!(
            "apigatewayv2:GetRoutes",
            c.aws.apigw.get_routes().api_id(api)
        ))
    })?;
    Ok(routes
        .iter()
        .flat_map(|p| p.items())
        .map(|r| {
            let int = r
                .target()
                .unwrap_or_default()
                .trim_start_matches("integrations/")
                .to_string();
            let f = uri.get(&int).cloned().unwrap_or_default();
            (
                r.route_key().unwrap_or_default().to_string(),
                (r.route_id().unwrap_or_default().to_string(), int, f),
            )
        })
        .collect())
}

pub async fn read(c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
    let Some(api) = find(c).await? else {
        return Ok(None);
    };
    let tags = api.tags().cloned().unwrap_or_default();
    c.names.check_owner(
        &format!("HTTP API {}", c.name),
        tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )?;
    let id = api.api_id().unwrap_or_default().to_string();
    let mut a = Attrs::new();
    // The routes and the stage, at once.
    let (routes, stage) = futures::try_join!(routes(c, &id), super::apigw_stage::read(c, &id))?;
    let r: serde_json::Map<String, Value> = routes
        .into_iter()
        .map(|(k, (_, _, f))| (k, Value::from(f)))
        .collect();
    a.insert("routes".into(), Value::Object(r));
    a.insert(
        "cors_origins".into(),
        super::sorted(
            api.cors_configuration()
                .map(|c| c.allow_origins().to_vec())
                .unwrap_or_default(),
        ),
    );
    a.insert(
        "cors_headers".into(),
        cors_headers(api.cors_configuration().map(|c| c.allow_headers()), p),
    );
    a.extend(stage);
    let endpoint = api.api_endpoint().unwrap_or_default().to_string();
    let mut o = Attrs::new();
    o.insert("id".into(), Value::from(id));
    o.insert(
        "domain".into(),
        Value::from(
            endpoint
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .trim_end_matches('/'),
        ),
    );
    o.insert("endpoint".into(), Value::from(endpoint));
    o.insert("protocol".into(), Value::from("https"));
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        ..Default::default()
    }))
}

/// The allowed headers as the declaration spells them when they are the same names (HTTP header
/// names are case-insensitive), else the API's, sorted. Without a CORS configuration they do not
/// apply: the declaration's, so that no change is planned for them alone.
fn cors_headers(live: Option<&[String]>, p: &Attrs) -> Value {
    let declared = p
        .get("cors_headers")
        .cloned()
        .unwrap_or(Value::Array(vec![]));
    let want = super::strings(Some(&declared));
    let Some(live) = live else {
        return declared;
    };
    let lower = |v: &[String]| {
        let mut v: Vec<String> = v.iter().map(|h| h.to_ascii_lowercase()).collect();
        v.sort();
        v
    };
    if lower(live) == lower(&want) {
        declared
    } else {
        super::sorted(live.to_vec())
    }
}

fn cors(p: &Attrs) -> Result<Option<Cors>> {
    let origins = p.list("cors_origins")?;
    let headers = p.list("cors_headers")?;
    Ok((!origins.is_empty()).then(|| {
        Cors::builder()
            .set_allow_origins(Some(origins))
            .allow_methods("*")
            .set_allow_headers(Some(headers))
            .max_age(3600)
            .build()
    }))
}

pub async fn create(c: &Call<'_>, p: &Attrs) -> Result<()> {
    c.aws.mutated();
    let api = c
        .aws
        .apigw
        .create_api()
        .name(&c.name)
        .protocol_type(ProtocolType::Http)
        .set_cors_configuration(cors(p)?)
        .set_tags(Some(c.tags().into_iter().collect()))
        .send()
        .await
        .map_err(|e| aws_error("apigatewayv2:CreateApi", e))?;
    let id = api.api_id().unwrap_or_default();
    drop_twins(c, id).await?;
    converge(c, id, p, &BTreeMap::new()).await
}

/// Deletes the stage's other APIs of this name: API names are not unique, so a CreateApi whose
/// answer was lost and that the SDK sent again made two.
async fn drop_twins(c: &Call<'_>, ours: &str) -> Result<()> {
    let pages = super::token_pages!("apigatewayv2:GetApis", c.aws.apigw.get_apis());
    for twin in pages.iter().flat_map(|p| p.items()).filter(|a| {
        a.name() == Some(c.name.as_str())
            && a.api_id() != Some(ours)
            && c.names
                .check_owner(
                    "",
                    a.tags()
                        .into_iter()
                        .flatten()
                        .map(|(k, v)| (k.as_str(), v.as_str())),
                )
                .is_ok()
    }) {
        c.aws.mutated();
        c.aws
            .apigw
            .delete_api()
            .api_id(twin.api_id().unwrap_or_default())
            .send()
            .await
            .map_err(|e| aws_error("apigatewayv2:DeleteApi", e))?;
    }
    Ok(())
}

pub async fn update(c: &Call<'_>, p: &Attrs, live: &Live) -> Result<()> {
    let id = live.outputs.s("id")?;
    let differs = |name: &str| -> Result<bool> {
        Ok(live.attrs.get(name).map(|v| super::strings(Some(v))) != Some(p.list(name)?))
    };
    if differs("cors_origins")? || differs("cors_headers")? {
        c.aws.mutated();
        match cors(p)? {
            Some(cors) => {
                c.aws
                    .apigw
                    .update_api()
                    .api_id(id)
                    .cors_configuration(cors)
                    .send()
                    .await
                    .map_err(|e| aws_error("apigatewayv2:UpdateApi", e))?;
            }
            // UpdateApi without a CORS configuration leaves the old one: it must be deleted.
            None => {
                c.aws
                    .apigw
                    .delete_cors_configuration()
                    .api_id(id)
                    .send()
                    .await
                    .map_err(|e| aws_error("apigatewayv2:DeleteCorsConfiguration", e))?;
            }
        }
    }
    let have = routes(c, id).await?;
    converge(c, id, p, &have).await
}

/// Makes routes, integrations, stage and permissions match `p`, given what exists.
async fn converge(
    c: &Call<'_>,
    api: &str,
    p: &Attrs,
    have: &BTreeMap<String, (String, String, String)>,
) -> Result<()> {
    let want: BTreeMap<String, String> = p
        .get("routes")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    for (key, (route, int, f)) in have {
        match want.get(key) {
            Some(target) if target == f => {}
            Some(target) => {
                c.aws.mutated();
                c.aws
                    .apigw
                    .update_integration()
                    .api_id(api)
                    .integration_id(int)
                    .integration_uri(target)
                    .send()
                    .await
                    .map_err(|e| aws_error("apigatewayv2:UpdateIntegration", e))?;
            }
            None => {
                c.aws.mutated();
                c.aws
                    .apigw
                    .delete_route()
                    .api_id(api)
                    .route_id(route)
                    .send()
                    .await
                    .map_err(|e| aws_error("apigatewayv2:DeleteRoute", e))?;
                c.aws.mutated();
                c.aws
                    .apigw
                    .delete_integration()
                    .api_id(api)
                    .integration_id(int)
                    .send()
                    .await
                    .map_err(|e| aws_error("apigatewayv2:DeleteIntegration", e))?;
            }
        }
    }
    // Integrations no route uses: left by a run killed between creating one and its route.
    let mut spare = if want.keys().any(|k| !have.contains_key(k)) {
        unused_integrations(c, api, have).await?
    } else {
        Vec::new()
    };
    let mut permitted: Vec<String> = Vec::new();
    let adding = want.keys().any(|k| !have.contains_key(k));
    for (key, target) in want.iter().filter(|(k, _)| !have.contains_key(*k)) {
        let int = match spare.iter().position(|(_, uri)| uri == target) {
            Some(i) => spare.remove(i).0,
            None => {
                c.aws.mutated();
                c.aws
                    .apigw
                    .create_integration()
                    .api_id(api)
                    .integration_type(IntegrationType::AwsProxy)
                    .integration_uri(target)
                    .payload_format_version("2.0")
                    .timeout_in_millis(30_000)
                    .send()
                    .await
                    .map_err(|e| aws_error("apigatewayv2:CreateIntegration", e))?
                    .integration_id()
                    .unwrap_or_default()
                    .to_string()
            }
        };
        // The permission before the route: a run killed in between leaves the route missing,
        // which the next run sees and finishes (a route without its permission would look done).
        if !permitted.contains(target) {
            permit(c, api, target).await?;
            permitted.push(target.clone());
        }
        c.aws.mutated();
        let created = c
            .aws
            .apigw
            .create_route()
            .api_id(api)
            .route_key(key)
            .target(format!("integrations/{int}"))
            .send()
            .await;
        match created {
            Ok(_) => {}
            // The key is taken: the SDK sent the create again after its answer was lost. The
            // route is there (its integration, if a twin, goes with the sweep below).
            Err(e) if code(&e) == "ConflictException" => {
                if !routes(c, api).await?.contains_key(key) {
                    return Err(aws_error("apigatewayv2:CreateRoute", e));
                }
            }
            Err(e) => return Err(aws_error("apigatewayv2:CreateRoute", e)),
        }
    }
    if adding {
        // Integrations no route uses: a CreateIntegration whose answer was lost and that the SDK
        // sent again made a twin.
        for (id, _) in unused_integrations(c, api, &routes(c, api).await?).await? {
            c.aws.mutated();
            c.aws
                .apigw
                .delete_integration()
                .api_id(api)
                .integration_id(id)
                .send()
                .await
                .map_err(|e| aws_error("apigatewayv2:DeleteIntegration", e))?;
        }
    }
    super::apigw_stage::converge(c, api, p).await?;
    Ok(())
}

/// Integrations of the API that no route targets: (id, URI).
async fn unused_integrations(
    c: &Call<'_>,
    api: &str,
    routes: &BTreeMap<String, (String, String, String)>,
) -> Result<Vec<(String, String)>> {
    Ok(integrations(c, api)
        .await?
        .into_iter()
        .filter(|(id, _)| !routes.values().any(|(_, used, _)| used == id))
        .collect())
}

/// Lets this API invoke `function` (one permission per function and API, whatever its routes).
async fn permit(c: &Call<'_>, api: &str, function: &str) -> Result<()> {
    let source = format!(
        "arn:aws:execute-api:{}:{}:{api}/*/*",
        c.aws.region, c.aws.account
    );
    super::lambda::permit(
        c.aws,
        function,
        &format!("{}-{api}", c.name),
        "apigateway.amazonaws.com",
        &source,
    )
    .await
}

pub async fn delete(c: &Call<'_>, live: &Live) -> Result<()> {
    let id = live.outputs.s("id")?;
    c.aws.mutated();
    match c.aws.apigw.delete_api().api_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "NotFoundException" => Ok(()),
        Err(e) => Err(aws_error("apigatewayv2:DeleteApi", e)),
    }
}

/// Every HTTP API name in the region.
pub async fn api_names(aws: &Aws) -> Result<Vec<String>> {
    let pages = super::token_pages!("apigatewayv2:GetApis", aws.apigw.get_apis());
    Ok(pages
        .iter()
        .flat_map(|p| p.items())
        .filter_map(|a| a.name().map(str::to_string))
        .collect())
}

/// Tags HTTP API `c.name` (its id, once adopted), made without fintech, as the stage's.
pub async fn take_over(c: &Call<'_>) -> Result<()> {
    let api = find(c)
        .await?
        .ok_or_else(|| anyhow::anyhow!("HTTP API {} is gone", c.name))?;
    c.aws.mutated();
    c.aws
        .apigw
        .tag_resource()
        .resource_arn(format!(
            "arn:aws:apigateway:{}::/apis/{}",
            c.aws.region,
            api.api_id().unwrap_or_default()
        ))
        .set_tags(Some(c.tags().into_iter().collect()))
        .send()
        .await
        .map_err(|e| aws_error("apigatewayv2:TagResource", e))?;
    Ok(())
}

/// The account's HTTP APIs named `name` (names are not unique), each with the names of the
/// functions its integrations invoke: for `fintech adopt` to tell them apart.
pub async fn apis_named(aws: &Aws, name: &str) -> Result<Vec<(String, Vec<String>)>> {
    let pages = super::token_pages!("apigatewayv2:GetApis", aws.apigw.get_apis());
    let mut out = Vec::new();
    for api in pages
        .iter()
        .flat_map(|p| p.items())
        .filter(|a| a.name() == Some(name))
    {
        let id = api.api_id().unwrap_or_default().to_string();
        let integrations = super::token_pages!(
            "apigatewayv2:GetIntegrations",
            aws.apigw.get_integrations().api_id(&id)
        );
        let functions = integrations
            .iter()
            .flat_map(|p| p.items())
            .filter_map(|i| i.integration_uri())
            .filter_map(super::lambda::function_name)
            .collect();
        out.push((id, functions));
    }
    Ok(out)
}
