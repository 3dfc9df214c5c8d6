"""Seeds a moto_server for oaktree's AWS EC2 tests.

Run with the repository venv's Python: `moto_seed.py ENDPOINT REGION...`. With signature
checking on (INITIAL_NO_AUTH_ACTION_COUNT), the first calls are free: they create an IAM user
with an allow-all policy and an access key. Every later call is signed with that key. Prints one
JSON line: {"access_key_id", "secret_access_key", "instances": {region: [ids]}, "images": ...}.
"""

import json
import sys

import boto3

endpoint, regions = sys.argv[1], sys.argv[2:]
bootstrap = dict(
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="bootstrap",
    aws_secret_access_key="bootstrap",
)

# The free calls (INITIAL_NO_AUTH_ACTION_COUNT must be at least 4).
iam = boto3.client("iam", **bootstrap)
iam.create_user(UserName="oaktree")
policy = iam.create_policy(
    PolicyName="allow-all",
    PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    ),
)
iam.attach_user_policy(UserName="oaktree", PolicyArn=policy["Policy"]["Arn"])
key = iam.create_access_key(UserName="oaktree")["AccessKey"]

out = {
    "access_key_id": key["AccessKeyId"],
    "secret_access_key": key["SecretAccessKey"],
    "instances": {},
    "images": {},
    "vpcs": {},
}
for i, region in enumerate(regions):
    ec2 = boto3.client(
        "ec2",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    vpc = ec2.create_vpc(
        CidrBlock=f"10.{i + 10}.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": f"oaktree-{region}"}]}],
    )["Vpc"]
    subnet = ec2.create_subnet(
        VpcId=vpc["VpcId"], CidrBlock=f"10.{i + 10}.1.0/24", AvailabilityZone=f"{region}b"
    )["Subnet"]
    ec2.create_key_pair(KeyName="oaktree")
    ami = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    reservation = ec2.run_instances(
        ImageId=ami,
        InstanceType="t3.micro",
        MinCount=2,
        MaxCount=2,
        KeyName="oaktree",
        SubnetId=subnet["SubnetId"],
        TagSpecifications=[
            {
                "ResourceType": "instance",
                "Tags": [{"Key": "Name", "Value": f"web-{region}"}, {"Key": "team", "Value": "oaktree"}],
            }
        ],
    )
    ids = [x["InstanceId"] for x in reservation["Instances"]]
    image = ec2.create_image(InstanceId=ids[0], Name=f"golden-{region}")["ImageId"]
    out["instances"][region] = ids
    out["images"][region] = [image]
    out["vpcs"][region] = [vpc["VpcId"]]

print(json.dumps(out))
