//! SNS: a topic with e-mail subscriptions, where the stage's alarms send their alerts. SNS has each
//! address confirm its subscription (a link in an e-mail): until then it is pending, and a pending
//! one cannot be removed (SNS deletes it once the link expires).

use anyhow::Result;
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Props, aws_error, code, sorted, wait};

/// What SNS lists as the ARN of a subscription not confirmed yet.
const PENDING: &str = "PendingConfirmation";

/// What SNS lists, for a while, as the ARN of a subscription its address has cancelled (the link
/// in every notification): gone, and not to be unsubscribed again (ansible/ansible#20086).
const DELETED: &str = "Deleted";

/// The topic's ARN: SNS names topics by partition, account, region and name.
pub fn arn(c: &Call<'_>) -> String {
    let region = &c.aws.region;
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    format!("arn:{partition}:sns:{region}:{}:{}", c.aws.account, c.name)
}

/// The topic's e-mail subscriptions: (address, subscription ARN or [`PENDING`]).
async fn subscriptions(aws: &Aws, topic: &str) -> Result<Vec<(String, String)>> {
    let pages = super::pages!(
        "sns:ListSubscriptionsByTopic",
        aws.sns.list_subscriptions_by_topic().topic_arn(topic)
    );
    Ok(pages
        .iter()
        .flat_map(|p| p.subscriptions())
        .filter(|s| s.protocol() == Some("email"))
        .map(|s| {
            (
                s.endpoint().unwrap_or_default().to_string(),
                s.subscription_arn().unwrap_or_default().to_string(),
            )
        })
        .collect())
}

pub async fn read(c: &Call<'_>, p: &Attrs) -> Result<Option<Live>> {
    let topic = arn(c);
    match c
        .aws
        .sns
        .get_topic_attributes()
        .topic_arn(&topic)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if code(&e) == "NotFound" => return Ok(None),
        Err(e) => return Err(aws_error("sns:GetTopicAttributes", e)),
    }
    let (tags, subs) = futures::join!(
        c.aws
            .sns
            .list_tags_for_resource()
            .resource_arn(&topic)
            .send(),
        subscriptions(c.aws, &topic)
    );
    let tags = tags.map_err(|e| aws_error("sns:ListTagsForResource", e))?;
    c.names.check_owner(
        &format!("SNS topic {}", c.name),
        tags.tags().iter().map(|t| (t.key(), t.value())),
    )?;
    let subs = subs?;
    // A pending subscription cannot be removed: one for an address the stack still wants counts
    // as there (subscribing again would mail the link again), one for an address it dropped is
    // left out (it goes when its link expires), so the plan does not ask for it again and again.
    let want = p.list("emails").unwrap_or_default();
    let (mut emails, mut waiting, mut leaving) = (Vec::new(), Vec::new(), Vec::new());
    for (email, sub) in subs.into_iter().filter(|(_, sub)| sub != DELETED) {
        match (sub == PENDING, want.contains(&email)) {
            (false, _) => emails.push(email),
            (true, true) => {
                waiting.push(email.clone());
                emails.push(email);
            }
            (true, false) => leaving.push(email),
        }
    }
    let mut a = Attrs::new();
    a.insert("emails".into(), sorted(emails));
    let mut o = Attrs::new();
    o.insert("arn".into(), Value::from(topic));
    o.insert("name".into(), Value::from(c.name.clone()));
    let mut notes = Vec::new();
    if !waiting.is_empty() {
        notes.push(format!(
            "{}: waiting for {} to confirm the subscription (the link in SNS's e-mail); no alert reaches an address before",
            c.id,
            waiting.join(", ")
        ));
    }
    if !leaving.is_empty() {
        notes.push(format!(
            "{}: {} never confirmed the subscription; SNS cannot remove it before its link expires, and no alert reaches it",
            c.id,
            leaving.join(", ")
        ));
    }
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        notes,
        ..Default::default()
    }))
}

pub async fn create(c: &Call<'_>, p: &Attrs) -> Result<()> {
    c.aws.mutated();
    let tags: Vec<aws_sdk_sns::types::Tag> = c
        .tags()
        .into_iter()
        .map(|(k, v)| aws_sdk_sns::types::Tag::builder().key(k).value(v).build())
        .collect::<Result<_, _>>()?;
    // CreateTopic is idempotent for the same name and tags: sent again, it answers the same ARN.
    c.aws
        .sns
        .create_topic()
        .name(&c.name)
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(|e| aws_error("sns:CreateTopic", e))?;
    subscribe(c, &p.list("emails")?, &[]).await
}

pub async fn update(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let have = subscriptions(c.aws, &arn(c)).await?;
    let want = p.list("emails")?;
    subscribe(c, &want, &have).await?;
    for (email, sub) in have.iter().filter(|(e, _)| !want.contains(e)) {
        if sub == PENDING || sub == DELETED {
            continue; // cannot be removed: SNS deletes it when its link expires, or did already
        }
        c.aws.mutated();
        match c.aws.sns.unsubscribe().subscription_arn(sub).send().await {
            Ok(_) => {}
            Err(e) if code(&e) == "NotFound" => {}
            Err(e) => {
                return Err(
                    aws_error("sns:Unsubscribe", e).context(format!("unsubscribing {email}"))
                );
            }
        }
    }
    Ok(())
}

/// Subscribes each address of `want` not in `have`. A topic just created may not take
/// subscriptions at once (eventual consistency): NotFound is retried.
async fn subscribe(c: &Call<'_>, want: &[String], have: &[(String, String)]) -> Result<()> {
    let topic = arn(c);
    let live = |e: &String| have.iter().any(|(h, sub)| h == e && sub != DELETED);
    for email in want.iter().filter(|e| !live(e)) {
        c.aws.mutated();
        wait::retry(
            wait::PROPAGATION,
            |e: &aws_sdk_sns::error::SdkError<_, _>| code(e) == "NotFound",
            || {
                c.aws
                    .sns
                    .subscribe()
                    .topic_arn(&topic)
                    .protocol("email")
                    .endpoint(email)
                    .return_subscription_arn(true)
                    .send()
            },
        )
        .await
        .map_err(|e| aws_error("sns:Subscribe", e))?;
    }
    Ok(())
}

/// Deletes the topic and its subscriptions; already gone is fine (DeleteTopic says so itself).
pub async fn delete(c: &Call<'_>) -> Result<()> {
    c.aws.mutated();
    match c.aws.sns.delete_topic().topic_arn(arn(c)).send().await {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "NotFound" => Ok(()),
        Err(e) => Err(aws_error("sns:DeleteTopic", e)),
    }
}

/// Names of the account's topics in this region starting with `prefix`.
pub async fn topic_names(aws: &Aws, prefix: &str) -> Result<Vec<String>> {
    let pages = super::pages!("sns:ListTopics", aws.sns.list_topics());
    Ok(pages
        .iter()
        .flat_map(|p| p.topics())
        .filter_map(|t| t.topic_arn()?.rsplit(':').next().map(str::to_string))
        .filter(|n| n.starts_with(prefix))
        .collect())
}
