//! The private subnets' way out of a dedicated network: a NAT gateway (with its Elastic IP), a NAT
//! instance (a small Amazon Linux 2023 instance that forwards and masquerades, with a public
//! address and a security group admitting the VPC), or none. The new way out is made and routed
//! before the old one goes, so a switch costs the private subnets seconds, not minutes.

use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use aws_sdk_ec2::types::{
    AttributeBooleanValue, BlockDeviceMapping, CreditSpecificationRequest, DomainType,
    EbsBlockDevice, HttpTokensState, Instance, InstanceMetadataOptionsRequest,
    InstanceNetworkInterfaceSpecification, InstanceStateName, IpPermission, IpRange,
    NatGatewayState, ResourceType, RouteTable, SecurityGroup, VolumeType,
};
use base64::Engine;

use super::vpc::{Target, filter, route, tagged};
use super::{Attrs, Aws, Call, Props, aws_error, code, wait};

/// How long EC2 may take to make a NAT gateway available or to delete one (the Terraform
/// provider waits 10 minutes for either).
const NAT: Duration = Duration::from_secs(600);

/// How long an instance may take to run, or to terminate (the Terraform provider's `aws_instance`
/// waits 10 minutes to create and 20 to destroy).
const INSTANCE: Duration = Duration::from_secs(20 * 60);

/// The NAT instance's first boot: forward IPv4 and masquerade what leaves by the instance's own
/// interface, kept across reboots (the VPC user guide's "Create a NAT AMI" for Amazon Linux 2023).
const NAT_USER_DATA: &str = "#!/bin/bash
set -euo pipefail
dnf install -y iptables-services
systemctl enable --now iptables
echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-nat.conf
sysctl -p /etc/sysctl.d/90-nat.conf
out=$(ip route show default | awk '{print $5; exit}')
iptables -t nat -A POSTROUTING -o \"$out\" -j MASQUERADE
iptables -F FORWARD
service iptables save
";

/// What a network's egress is made of, as it is.
#[derive(Default)]
pub(super) struct Egress {
    /// A NAT gateway, pending or available, and its address's allocation.
    gateway: Option<(String, Option<String>)>,
    /// The gateway's Elastic IP, also when no gateway holds it (a run stopped between the two).
    address: Option<String>,
    /// The NAT instances, unless terminated or on their way there: one, or while one replaces
    /// another (a new type), two.
    instances: Vec<Instance>,
    /// The NAT instances' security group.
    group: Option<SecurityGroup>,
}

impl Egress {
    /// The way out the private table's default route takes: `gateway`, `instance` (an instance
    /// running, forwarding, and routed to), or `none`.
    pub fn kind(&self, private: Option<&RouteTable>) -> &'static str {
        if let Some((id, _)) = &self.gateway
            && Target::Nat(id).routed_by(private)
        {
            return "gateway";
        }
        if self.instances.iter().any(|i| {
            i.state().and_then(|s| s.name()) == Some(&InstanceStateName::Running)
                && i.source_dest_check() == Some(false)
                && Target::Interface(interface(i)).routed_by(private)
        }) {
            return "instance";
        }
        "none"
    }

    /// The NAT instance's type (the routed one's where there are two), if there is one.
    pub fn instance_type(&self, private: Option<&RouteTable>) -> Option<String> {
        self.instances
            .iter()
            .find(|i| Target::Interface(interface(i)).routed_by(private))
            .or(self.instances.first())
            .and_then(|i| i.instance_type())
            .map(|t| t.as_str().to_string())
    }
}

/// The instance's primary network interface (where a route sends traffic).
fn interface(i: &Instance) -> &str {
    i.network_interfaces()
        .iter()
        .find(|n| n.attachment().and_then(|a| a.device_index()) == Some(0))
        .or_else(|| i.network_interfaces().first())
        .and_then(|n| n.network_interface_id())
        .unwrap_or_default()
}

/// Reads the egress of VPC `vpc`.
pub(super) async fn read(aws: &Aws, vpc: &str) -> Result<Egress> {
    let (nats, addresses, instances, groups) = futures::try_join!(
        async {
            Ok(super::pages!(
                "ec2:DescribeNatGateways",
                aws.ec2
                    .describe_nat_gateways()
                    .filter(filter("vpc-id", vpc))
            ))
        },
        async {
            aws.ec2
                .describe_addresses()
                .filters(filter("tag:fintech:network", vpc))
                .send()
                .await
                .map_err(|e| aws_error("ec2:DescribeAddresses", e))
        },
        async {
            Ok(super::pages!(
                "ec2:DescribeInstances",
                aws.ec2
                    .describe_instances()
                    .filters(filter("vpc-id", vpc))
                    .filters(filter("tag:fintech:part", "nat-instance"))
            ))
        },
        async {
            Ok(super::pages!(
                "ec2:DescribeSecurityGroups",
                aws.ec2
                    .describe_security_groups()
                    .filters(filter("vpc-id", vpc))
                    .filters(filter("tag:fintech:part", "nat-group"))
            ))
        },
    )?;
    let gateway = nats
        .iter()
        .flat_map(|p| p.nat_gateways())
        .find(|n| {
            matches!(
                n.state(),
                Some(NatGatewayState::Available | NatGatewayState::Pending)
            )
        })
        .map(|n| {
            (
                n.nat_gateway_id().unwrap_or_default().to_string(),
                n.nat_gateway_addresses()
                    .first()
                    .and_then(|a| a.allocation_id().map(str::to_string)),
            )
        });
    let instances = instances
        .iter()
        .flat_map(|p| p.reservations())
        .flat_map(|r| r.instances())
        .filter(|i| {
            !matches!(
                i.state().and_then(|s| s.name()),
                Some(InstanceStateName::ShuttingDown | InstanceStateName::Terminated)
            )
        })
        .cloned()
        .collect();
    Ok(Egress {
        gateway,
        address: addresses
            .addresses()
            .first()
            .and_then(|a| a.allocation_id().map(str::to_string)),
        instances,
        group: groups
            .iter()
            .flat_map(|p| p.security_groups())
            .next()
            .cloned(),
    })
}

/// Where the egress goes: the VPC, its address block and the public subnet that holds a NAT.
pub(super) struct Network<'a> {
    pub vpc: &'a str,
    pub cidr: &'a str,
    pub public_subnet: Option<&'a str>,
    /// The private route table, its id and as it is.
    pub table: &'a str,
    pub live_table: Option<&'a RouteTable>,
}

/// Makes the egress `p` asks for (`nat`, and `nat_instance_type` for an instance), routes the
/// private table through it, then removes the other kinds.
pub(super) async fn converge(c: &Call<'_>, p: &Attrs, n: &Network<'_>, e: &Egress) -> Result<()> {
    match p.s("nat")? {
        "gateway" => {
            let id = gateway(c, n, e).await?;
            route(c, n.table, n.live_table, Target::Nat(&id)).await?;
            remove_instance(c.aws, e).await
        }
        "instance" => {
            let (id, interface) = instance(c, p, n, e).await?;
            route(c, n.table, n.live_table, Target::Interface(&interface)).await?;
            // Only now that the traffic goes through it: any other instance (the type it
            // replaces, one a stopped run left), and the gateway.
            for other in e.instances.iter().filter(|i| i.instance_id() != Some(&id)) {
                terminate(c.aws, other).await?;
            }
            remove_gateway(c.aws, e).await
        }
        _ => {
            if n.live_table.is_some_and(|t| {
                t.routes()
                    .iter()
                    .any(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
            }) {
                c.aws.mutated();
                c.aws
                    .ec2
                    .delete_route()
                    .route_table_id(n.table)
                    .destination_cidr_block("0.0.0.0/0")
                    .send()
                    .await
                    .map_err(|e| aws_error("ec2:DeleteRoute", e))?;
            }
            remove(c.aws, e).await
        }
    }
}

/// Removes every part of the egress (a network being deleted, or going without).
pub(super) async fn remove(aws: &Aws, e: &Egress) -> Result<()> {
    remove_gateway(aws, e).await?;
    remove_instance(aws, e).await
}

/// The NAT gateway (with its address) in the first public subnet, made if missing and waited for.
async fn gateway(c: &Call<'_>, n: &Network<'_>, e: &Egress) -> Result<String> {
    let id = match &e.gateway {
        Some((id, _)) => id.clone(),
        None => {
            let allocation = match &e.address {
                Some(a) => a.clone(),
                None => {
                    c.aws.mutated();
                    c.aws
                        .ec2
                        .allocate_address()
                        .domain(DomainType::Vpc)
                        .tag_specifications(tagged(
                            c,
                            ResourceType::ElasticIp,
                            "nat-address",
                            Some(n.vpc),
                        ))
                        .send()
                        .await
                        .map_err(|e| aws_error("ec2:AllocateAddress", e))?
                        .allocation_id()
                        .unwrap_or_default()
                        .to_string()
                }
            };
            c.aws.mutated();
            let made = c
                .aws
                .ec2
                .create_nat_gateway()
                .subnet_id(public_subnet(n)?)
                .allocation_id(allocation)
                .tag_specifications(tagged(c, ResourceType::Natgateway, "nat", None))
                .send()
                .await
                .map_err(|e| aws_error("ec2:CreateNatGateway", e))?;
            made.nat_gateway()
                .and_then(|n| n.nat_gateway_id())
                .unwrap_or_default()
                .to_string()
        }
    };
    gateway_state(c.aws, &id, NatGatewayState::Available).await?;
    Ok(id)
}

fn public_subnet<'a>(n: &Network<'a>) -> Result<&'a str> {
    n.public_subnet
        .ok_or_else(|| anyhow!("the network has no public subnet for its NAT"))
}

/// Waits until NAT gateway `id` is in `want` (Available after a create, Deleted after a delete);
/// `Failed` is an error naming EC2's reason.
async fn gateway_state(aws: &Aws, id: &str, want: NatGatewayState) -> Result<()> {
    wait::until(
        &format!("NAT gateway {id} to be {}", want.as_str()),
        NAT,
        || async {
            let out = aws
                .ec2
                .describe_nat_gateways()
                .nat_gateway_ids(id)
                .send()
                .await;
            let out = match out {
                Ok(o) => o,
                Err(e) if code(&e) == "NatGatewayNotFound" => {
                    return Ok(want == NatGatewayState::Deleted);
                }
                Err(e) => return Err(aws_error("ec2:DescribeNatGateways", e)),
            };
            let Some(n) = out.nat_gateways().first() else {
                return Ok(want == NatGatewayState::Deleted);
            };
            match n.state() {
                Some(s) if *s == want => Ok(true),
                Some(NatGatewayState::Failed) if want != NatGatewayState::Deleted => bail!(
                    "NAT gateway {id} failed: {}",
                    n.failure_message().unwrap_or("no reason given")
                ),
                _ => Ok(false),
            }
        },
    )
    .await
}

/// Deletes the NAT gateway and releases its address (once the gateway has let go of it).
async fn remove_gateway(aws: &Aws, e: &Egress) -> Result<()> {
    if let Some((id, _)) = &e.gateway {
        aws.mutated();
        match aws.ec2.delete_nat_gateway().nat_gateway_id(id).send().await {
            Ok(_) => {}
            Err(e) if code(&e) == "NatGatewayNotFound" => {}
            Err(e) => return Err(aws_error("ec2:DeleteNatGateway", e)),
        }
        gateway_state(aws, id, NatGatewayState::Deleted).await?;
    }
    let address = e
        .address
        .clone()
        .or_else(|| e.gateway.as_ref().and_then(|(_, a)| a.clone()));
    if let Some(a) = address {
        aws.mutated();
        let released = wait::retry(
            wait::PROPAGATION,
            |e: &aws_sdk_ec2::error::SdkError<_, _>| code(e) == "InvalidIPAddress.InUse",
            || aws.ec2.release_address().allocation_id(&a).send(),
        )
        .await;
        match released {
            Ok(_) => {}
            Err(e) if code(&e) == "InvalidAllocationID.NotFound" => {}
            Err(e) => return Err(aws_error("ec2:ReleaseAddress", e)),
        }
    }
    Ok(())
}

/// The NAT instance of type `nat_instance_type`, running and forwarding: found, or launched (beside
/// one of another type, or a stopped one: the caller terminates those once it routes to this one).
/// Its id and primary interface.
async fn instance(
    c: &Call<'_>,
    p: &Attrs,
    n: &Network<'_>,
    e: &Egress,
) -> Result<(String, String)> {
    let kind = p.s("nat_instance_type")?;
    // A stopped one (by hand) does not start by itself: it is replaced.
    let usable = e
        .instances
        .iter()
        .filter(|i| {
            i.instance_type().map(|t| t.as_str()) == Some(kind)
                && !matches!(
                    i.state().and_then(|s| s.name()),
                    Some(InstanceStateName::Stopping | InstanceStateName::Stopped)
                )
        })
        .max_by_key(|i| Target::Interface(interface(i)).routed_by(n.live_table));
    let group = nat_group(c, n, e).await?;
    let id = match usable.and_then(|i| i.instance_id()) {
        Some(id) => id.to_string(),
        None => launch(c, kind, n, &group).await?,
    };
    let i = instance_state(c.aws, &id, InstanceStateName::Running)
        .await?
        .ok_or_else(|| anyhow!("NAT instance {id} is gone"))?;
    // A NAT forwards what is not addressed to it: EC2 drops that unless the check is off.
    if i.source_dest_check() != Some(false) {
        c.aws.mutated();
        c.aws
            .ec2
            .modify_instance_attribute()
            .instance_id(&id)
            .source_dest_check(AttributeBooleanValue::builder().value(false).build())
            .send()
            .await
            .map_err(|e| aws_error("ec2:ModifyInstanceAttribute", e))?;
    }
    Ok((id, interface(&i).to_string()))
}

/// The NAT instances' group, made if missing: everything from the VPC's addresses in (what it
/// forwards; added too where a run stopped between making the group and its rule), AWS's default
/// rule letting everything out.
async fn nat_group(c: &Call<'_>, n: &Network<'_>, e: &Egress) -> Result<String> {
    let admits = |g: &SecurityGroup| {
        g.ip_permissions().iter().any(|p| {
            p.ip_protocol() == Some("-1")
                && p.ip_ranges().iter().any(|r| r.cidr_ip() == Some(n.cidr))
        })
    };
    if let Some(g) = e.group.as_ref().filter(|g| admits(g)) {
        return Ok(g.group_id().unwrap_or_default().to_string());
    }
    let id = match e.group.as_ref().and_then(|g| g.group_id()) {
        Some(id) => id.to_string(),
        None => {
            c.aws.mutated();
            c.aws
                .ec2
                .create_security_group()
                .group_name(format!("{}-nat", c.name))
                .description("fintech NAT instance: forwards the private subnets' traffic")
                .vpc_id(n.vpc)
                .tag_specifications(tagged(
                    c,
                    ResourceType::SecurityGroup,
                    "nat-group",
                    Some(n.vpc),
                ))
                .send()
                .await
                .map_err(|e| aws_error("ec2:CreateSecurityGroup", e))?
                .group_id()
                .unwrap_or_default()
                .to_string()
        }
    };
    let from_vpc = IpPermission::builder()
        .ip_protocol("-1")
        .ip_ranges(
            IpRange::builder()
                .cidr_ip(n.cidr)
                .description("the network's own subnets")
                .build(),
        )
        .build();
    c.aws.mutated();
    // A new group answers InvalidGroup.NotFound for a while (EC2's eventual consistency).
    wait::retry(
        wait::PROPAGATION,
        |e: &aws_sdk_ec2::error::SdkError<_, _>| code(e) == "InvalidGroup.NotFound",
        || {
            c.aws
                .ec2
                .authorize_security_group_ingress()
                .group_id(&id)
                .ip_permissions(from_vpc.clone())
                .send()
        },
    )
    .await
    .map_err(|e| aws_error("ec2:AuthorizeSecurityGroupIngress", e))?;
    Ok(id)
}

/// The image a NAT instance is launched from.
struct Image {
    id: String,
    /// Its root device's name and size (GiB): what the launch encrypts, at the image's size.
    root: Option<(String, Option<i32>)>,
}

/// The newest Amazon Linux 2023 image (standard, not minimal) for the instance type's architecture.
async fn image(aws: &Aws, kind: &str) -> Result<Image> {
    let types = aws
        .ec2
        .describe_instance_types()
        .instance_types(kind.into())
        .send()
        .await
        .map_err(|e| aws_error("ec2:DescribeInstanceTypes", e))?;
    let arch = types
        .instance_types()
        .first()
        .and_then(|t| t.processor_info())
        .and_then(|p| p.supported_architectures().first())
        .map(|a| a.as_str().to_string())
        .ok_or_else(|| {
            anyhow!(
                "EC2 does not describe instance type {kind} in {}",
                aws.region
            )
        })?;
    let images = aws
        .ec2
        .describe_images()
        .owners("amazon")
        .filters(filter("name", "al2023-ami-2023.*"))
        .filters(filter("architecture", &arch))
        .filters(filter("state", "available"))
        .send()
        .await
        .map_err(|e| aws_error("ec2:DescribeImages", e))?;
    images
        .images()
        .iter()
        .max_by(|a, b| (a.creation_date(), a.name()).cmp(&(b.creation_date(), b.name())))
        .map(|i| Image {
            id: i.image_id().unwrap_or_default().to_string(),
            root: i.root_device_name().map(|device| {
                let size = i
                    .block_device_mappings()
                    .iter()
                    .find(|m| m.device_name() == Some(device))
                    .and_then(|m| m.ebs())
                    .and_then(|e| e.volume_size());
                (device.to_string(), size)
            }),
        })
        .ok_or_else(|| {
            anyhow!(
                "no Amazon Linux 2023 image for {arch} in {} (ec2:DescribeImages, owner amazon)",
                aws.region
            )
        })
}

/// Launches the NAT instance in the first public subnet, with a public address, IMDSv2 only, an
/// encrypted root volume and standard CPU credits (its price stays the list price).
async fn launch(c: &Call<'_>, kind: &str, n: &Network<'_>, group: &str) -> Result<String> {
    let image = image(c.aws, kind).await?;
    let nic = InstanceNetworkInterfaceSpecification::builder()
        .device_index(0)
        .subnet_id(public_subnet(n)?)
        .groups(group)
        .associate_public_ip_address(true)
        .delete_on_termination(true)
        .build();
    let disk = image.root.map(|(device, size)| {
        BlockDeviceMapping::builder()
            .device_name(device)
            .ebs(
                EbsBlockDevice::builder()
                    .encrypted(true)
                    .volume_type(VolumeType::Gp3)
                    .set_volume_size(size)
                    .delete_on_termination(true)
                    .build(),
            )
            .build()
    });
    let user_data = base64::engine::general_purpose::STANDARD.encode(NAT_USER_DATA);
    c.aws.mutated();
    // The group just made may not be visible to RunInstances yet; the SDK's client token makes
    // its own retries of a lost answer launch no second instance.
    let made = wait::retry(
        wait::PROPAGATION,
        |e: &aws_sdk_ec2::error::SdkError<_, _>| code(e) == "InvalidGroup.NotFound",
        || {
            c.aws
                .ec2
                .run_instances()
                .image_id(&image.id)
                .instance_type(kind.into())
                .min_count(1)
                .max_count(1)
                .network_interfaces(nic.clone())
                .set_block_device_mappings(disk.clone().map(|d| vec![d]))
                .user_data(&user_data)
                .metadata_options(
                    InstanceMetadataOptionsRequest::builder()
                        .http_tokens(HttpTokensState::Required)
                        .build(),
                )
                .credit_specification(
                    CreditSpecificationRequest::builder()
                        .cpu_credits("standard")
                        .build(),
                )
                .tag_specifications(tagged(c, ResourceType::Instance, "nat-instance", None))
                .tag_specifications(tagged(c, ResourceType::Volume, "nat-instance", None))
                .send()
        },
    )
    .await
    .map_err(|e| aws_error("ec2:RunInstances", e))?;
    made.instances()
        .first()
        .and_then(|i| i.instance_id())
        .map(str::to_string)
        .ok_or_else(|| anyhow!("ec2:RunInstances answered no instance"))
}

/// Waits until instance `id` is in `want` and returns it (`None` once terminated). A new instance
/// may be unknown to EC2's other calls for a while: that is waited out too.
async fn instance_state(aws: &Aws, id: &str, want: InstanceStateName) -> Result<Option<Instance>> {
    wait::found(
        &format!("instance {id} to be {}", want.as_str()),
        INSTANCE,
        || async {
            let out = match aws.ec2.describe_instances().instance_ids(id).send().await {
                Ok(o) => o,
                Err(e) if code(&e) == "InvalidInstanceID.NotFound" => {
                    return Ok((want == InstanceStateName::Terminated).then_some(None));
                }
                Err(e) => return Err(aws_error("ec2:DescribeInstances", e)),
            };
            let Some(i) = out.reservations().iter().flat_map(|r| r.instances()).next() else {
                return Ok((want == InstanceStateName::Terminated).then_some(None));
            };
            let state = i.state().and_then(|s| s.name());
            if state == Some(&want) {
                return Ok(Some(
                    (want != InstanceStateName::Terminated).then(|| i.clone()),
                ));
            }
            if want == InstanceStateName::Running
                && matches!(
                    state,
                    Some(InstanceStateName::ShuttingDown | InstanceStateName::Terminated)
                )
            {
                bail!(
                    "NAT instance {id} stopped before it ran: {}",
                    i.state_reason()
                        .and_then(|r| r.message())
                        .unwrap_or("no reason given")
                );
            }
            Ok(None)
        },
    )
    .await
}

/// Terminates the instance and waits until it is gone (its interface with it).
async fn terminate(aws: &Aws, i: &Instance) -> Result<()> {
    let Some(id) = i.instance_id() else {
        return Ok(());
    };
    aws.mutated();
    match aws.ec2.terminate_instances().instance_ids(id).send().await {
        Ok(_) => {}
        Err(e) if code(&e) == "InvalidInstanceID.NotFound" => return Ok(()),
        Err(e) => return Err(aws_error("ec2:TerminateInstances", e)),
    }
    instance_state(aws, id, InstanceStateName::Terminated).await?;
    Ok(())
}

/// Terminates the NAT instances and deletes their group (once their interfaces have let go of it).
async fn remove_instance(aws: &Aws, e: &Egress) -> Result<()> {
    for i in &e.instances {
        terminate(aws, i).await?;
    }
    if let Some(g) = e.group.as_ref().and_then(|g| g.group_id()) {
        aws.mutated();
        let deleted = wait::retry(
            wait::PROPAGATION,
            |e: &aws_sdk_ec2::error::SdkError<_, _>| code(e) == "DependencyViolation",
            || aws.ec2.delete_security_group().group_id(g).send(),
        )
        .await;
        match deleted {
            Ok(_) => {}
            Err(e) if code(&e) == "InvalidGroup.NotFound" => {}
            Err(e) => return Err(aws_error("ec2:DeleteSecurityGroup", e)),
        }
    }
    Ok(())
}
