// Tests for server-side Tables: columns, exact cell values per kind (as the real printers compute them), the
// generic fallbacks, embedded objects and human durations.
#include "tables.h"

#include <gtest/gtest.h>

namespace kubesim {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const auto kNow =
    std::chrono::system_clock::time_point(std::chrono::seconds(1714564800));  // 2024-05-01T12:00:00Z

ResourceType type(std::string group, std::string plural) {
  ResourceType t;
  t.group = std::move(group);
  t.version = "v1";
  t.plural = std::move(plural);
  return t;
}

json::object table(const ResourceType& t, std::initializer_list<std::string_view> objects,
                   IncludeObject include = IncludeObject::None) {
  std::vector<json::object> items;
  for (auto o : objects)
    items.push_back(json::parse(o).as_object());
  return toTable(t, items, include, kNow, "4242");
}

std::string cells(const json::object& t, size_t row) {
  return json::serialize(t.at("rows").as_array().at(row).at("cells"));
}

std::string columns(const json::object& t) {
  std::string out;
  for (const auto& c : t.at("columnDefinitions").as_array()) {
    if (!out.empty()) out += ",";
    out += std::string(c.at("name").as_string()) + ":" + std::string(c.at("type").as_string());
    if (c.at("priority").as_int64() != 0) out += ":" + std::to_string(c.at("priority").as_int64());
  }
  return out;
}

TEST(HumanDuration, FollowsApimachineryRounding) {
  EXPECT_EQ(humanDuration(-3s), "<invalid>");
  EXPECT_EQ(humanDuration(-1500ms), "0s");
  EXPECT_EQ(humanDuration(45s), "45s");
  EXPECT_EQ(humanDuration(119s), "119s");
  EXPECT_EQ(humanDuration(120s), "2m");
  EXPECT_EQ(humanDuration(5min + 30s), "5m30s");
  EXPECT_EQ(humanDuration(10min + 30s), "10m");
  EXPECT_EQ(humanDuration(179min), "179m");
  EXPECT_EQ(humanDuration(3h), "3h");
  EXPECT_EQ(humanDuration(3h + 12min + 59s), "3h12m");
  EXPECT_EQ(humanDuration(8h + 30min), "8h");
  EXPECT_EQ(humanDuration(47h), "47h");
  EXPECT_EQ(humanDuration(48h), "2d");
  EXPECT_EQ(humanDuration(53h), "2d5h");
  EXPECT_EQ(humanDuration(8 * 24h), "8d");
  EXPECT_EQ(humanDuration(400 * 24h), "400d");
  EXPECT_EQ(humanDuration(730 * 24h), "2y");
  EXPECT_EQ(humanDuration(740 * 24h), "2y10d");
  EXPECT_EQ(humanDuration(9 * 365 * 24h), "9y");
}

TEST(TableShape, MetadataColumnsAndEmbeddedObjects) {
  const char* pod =
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"shop","resourceVersion":"17",
    "creationTimestamp":"2024-05-01T11:55:00Z","labels":{"app":"web"}},"spec":{"containers":[{"name":"c"}]}})";
  auto t = table(type("", "pods"), {pod}, IncludeObject::Metadata);
  EXPECT_EQ(t.at("kind"), json::value("Table"));
  EXPECT_EQ(t.at("apiVersion"), json::value("meta.k8s.io/v1"));
  EXPECT_EQ(json::serialize(t.at("metadata")), R"({"resourceVersion":"4242"})");
  EXPECT_EQ(columns(t),
            "Name:string,Ready:string,Status:string,Restarts:string,Age:string,IP:string:1,Node:string:1,"
            "Nominated Node:string:1,Readiness Gates:string:1");
  EXPECT_EQ(
      json::serialize(t.at("columnDefinitions").at(0)),
      R"({"name":"Name","type":"string","format":"name","description":"Name must be unique within a namespace. )"
      R"(Is required when creating resources, although some resources may allow a client to request the )"
      R"(generation of an appropriate name automatically. Name is primarily intended for creation idempotence )"
      R"(and configuration definition. Cannot be updated. More info: )"
      R"(https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names","priority":0})");
  EXPECT_EQ(
      json::serialize(t.at("rows").at(0).at("object")),
      R"({"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"web","namespace":"shop",)"
      R"("resourceVersion":"17","creationTimestamp":"2024-05-01T11:55:00Z","labels":{"app":"web"}}})");

  auto whole = table(type("", "pods"), {pod}, IncludeObject::Object);
  EXPECT_EQ(whole.at("rows").at(0).at("object"), json::parse(pod));
  auto none = table(type("", "pods"), {pod}, IncludeObject::None);
  EXPECT_FALSE(none.at("rows").at(0).as_object().contains("object"));

  // Without an explicit version the single object's resourceVersion is used; an empty list keeps its columns.
  auto single = toTable(type("", "pods"), {json::parse(pod).as_object()}, IncludeObject::None, kNow);
  EXPECT_EQ(json::serialize(single.at("metadata")), R"({"resourceVersion":"17"})");
  auto empty = toTable(type("apps", "deployments"), {}, IncludeObject::None, kNow, "99");
  EXPECT_EQ(json::serialize(empty.at("rows")), "[]");
  EXPECT_EQ(columns(empty),
            "Name:string,Ready:string,Up-to-date:string,Available:string,Age:string,"
            "Containers:string:1,Images:string:1,Selector:string:1");
}

TEST(PodTable, StatusReadyRestartsAndWideColumns) {
  auto t = table(type("", "pods"),
                 {
                     // running and ready
                     R"({"metadata":{"name":"web","creationTimestamp":"2024-05-01T11:55:00Z"},
              "spec":{"nodeName":"node-1","containers":[{"name":"nginx"}]},
              "status":{"phase":"Running","podIP":"10.0.0.5","podIPs":[{"ip":"10.0.0.5"}],
                "conditions":[{"type":"Ready","status":"True"}],
                "containerStatuses":[{"name":"nginx","ready":true,"restartCount":0,"state":{"running":{}}}]}})",
                     // crash looping: waiting reason, restarts with the age of the last termination
                     R"({"metadata":{"name":"api","creationTimestamp":"2024-05-01T08:48:00Z"},
              "spec":{"nodeName":"node-2","containers":[{"name":"api"}]},
              "status":{"phase":"Running","podIP":"10.0.0.6",
                "containerStatuses":[{"name":"api","ready":false,"restartCount":5,
                  "state":{"waiting":{"reason":"CrashLoopBackOff"}},
                  "lastState":{"terminated":{"exitCode":1,"reason":"Error","finishedAt":"2024-05-01T11:57:00Z"}}}]}})",
                     // waiting for an init container
                     R"({"metadata":{"name":"init-wait","creationTimestamp":"2024-05-01T11:59:15Z"},
              "spec":{"initContainers":[{"name":"migrate"}],"containers":[{"name":"app"}]},
              "status":{"phase":"Pending",
                "initContainerStatuses":[{"name":"migrate","restartCount":0,"state":{"running":{}}}],
                "containerStatuses":[{"name":"app","state":{"waiting":{"reason":"PodInitializing"}}}]}})",
                     // crash-looping init container
                     R"({"metadata":{"name":"init-crash","creationTimestamp":"2024-04-29T12:00:00Z"},
              "spec":{"initContainers":[{"name":"migrate"}],"containers":[{"name":"app"}]},
              "status":{"phase":"Pending",
                "initContainerStatuses":[{"name":"migrate","restartCount":3,
                  "state":{"waiting":{"reason":"CrashLoopBackOff"}},
                  "lastState":{"terminated":{"exitCode":1,"finishedAt":"2024-05-01T11:59:00Z"}}}],
                "containerStatuses":[{"name":"app","restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}]}})",
                     // being deleted
                     R"({"metadata":{"name":"terminating","creationTimestamp":"2024-05-01T10:00:00Z",
                "deletionTimestamp":"2024-05-01T11:59:50Z"},
              "spec":{"containers":[{"name":"c"}]},
              "status":{"phase":"Running","containerStatuses":[{"name":"c","ready":true,"state":{"running":{}}}]}})",
                     // deleted while its node was lost
                     R"({"metadata":{"name":"lost","creationTimestamp":"2024-05-01T10:00:00Z",
                "deletionTimestamp":"2024-05-01T11:00:00Z"},
              "spec":{"containers":[{"name":"c"}]},
              "status":{"phase":"Running","reason":"NodeLost",
                "containerStatuses":[{"name":"c","ready":true,"state":{"running":{}}}]}})",
                     // completed
                     R"({"metadata":{"name":"done","creationTimestamp":"2024-05-01T10:00:00Z"},
              "spec":{"containers":[{"name":"c"}]},
              "status":{"phase":"Succeeded",
                "containerStatuses":[{"name":"c","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}})",
                     // a sidecar (restartable init container) counts as a container
                     R"({"metadata":{"name":"sidecar","creationTimestamp":"2024-05-01T10:00:00Z"},
              "spec":{"initContainers":[{"name":"proxy","restartPolicy":"Always"}],"containers":[{"name":"app"}]},
              "status":{"phase":"Running","conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"}],
                "initContainerStatuses":[{"name":"proxy","started":true,"ready":true,"state":{"running":{}}}],
                "containerStatuses":[{"name":"app","ready":true,"state":{"running":{}}}]}})",
                     // readiness gates
                     R"({"metadata":{"name":"gated","creationTimestamp":"2024-05-01T10:00:00Z"},
              "spec":{"readinessGates":[{"conditionType":"example.com/feature"},{"conditionType":"example.com/other"}],
                "containers":[{"name":"c"}]},
              "status":{"phase":"Running","conditions":[{"type":"example.com/feature","status":"True"}],
                "containerStatuses":[{"name":"c","ready":true,"state":{"running":{}}}]}})",
                     // just created, no status yet
                     R"({"metadata":{"name":"fresh"},"spec":{"containers":[{"name":"c"}]}})",
                     // terminated without a reason
                     R"({"metadata":{"name":"exited","creationTimestamp":"2024-05-01T10:00:00Z"},
              "spec":{"containers":[{"name":"c"},{"name":"d"}]},
              "status":{"phase":"Running","containerStatuses":[
                {"name":"c","state":{"terminated":{"exitCode":2}}},
                {"name":"d","state":{"terminated":{"exitCode":137,"signal":9}}}]}})",
                     // scheduling gated, nominated elsewhere
                     R"({"metadata":{"name":"waiting","creationTimestamp":"2024-05-01T10:00:00Z"},
              "spec":{"containers":[{"name":"c"}]},
              "status":{"phase":"Pending","nominatedNodeName":"node-3",
                "conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]}})",
                 });
  EXPECT_EQ(cells(t, 0), R"(["web","1/1","Running","0","5m","10.0.0.5","node-1","<none>","<none>"])");
  EXPECT_EQ(
      cells(t, 1),
      R"j(["api","0/1","CrashLoopBackOff","5 (3m ago)","3h12m","10.0.0.6","node-2","<none>","<none>"])j");
  EXPECT_EQ(cells(t, 2), R"(["init-wait","0/1","Init:0/1","0","45s","<none>","<none>","<none>","<none>"])");
  EXPECT_EQ(
      cells(t, 3),
      R"j(["init-crash","0/1","Init:CrashLoopBackOff","3 (60s ago)","2d","<none>","<none>","<none>","<none>"])j");
  EXPECT_EQ(cells(t, 4),
            R"(["terminating","1/1","Terminating","0","120m","<none>","<none>","<none>","<none>"])");
  EXPECT_EQ(cells(t, 5), R"(["lost","1/1","Unknown","0","120m","<none>","<none>","<none>","<none>"])");
  EXPECT_EQ(cells(t, 6), R"(["done","0/1","Completed","0","120m","<none>","<none>","<none>","<none>"])");
  EXPECT_EQ(
      json::serialize(t.at("rows").at(6).at("conditions")),
      R"([{"type":"Completed","status":"True","reason":"Succeeded","message":"The pod has completed successfully."}])");
  EXPECT_FALSE(t.at("rows").at(0).as_object().contains("conditions"));
  EXPECT_EQ(cells(t, 7), R"(["sidecar","2/2","Running","0","120m","<none>","<none>","<none>","<none>"])");
  EXPECT_EQ(cells(t, 8), R"(["gated","1/1","Running","0","120m","<none>","<none>","<none>","1/2"])");
  EXPECT_EQ(cells(t, 9), R"(["fresh","0/1","Pending","0","<unknown>","<none>","<none>","<none>","<none>"])");
  // Containers are visited last to first, so the first container's state decides.
  EXPECT_EQ(cells(t, 10), R"(["exited","0/2","ExitCode:2","0","120m","<none>","<none>","<none>","<none>"])");
  EXPECT_EQ(cells(t, 11),
            R"(["waiting","0/1","SchedulingGated","0","120m","<none>","<none>","node-3","<none>"])");
}

TEST(WorkloadTables, DeploymentsReplicaSetsStatefulSetsDaemonSets) {
  auto deployments =
      table(type("apps", "deployments"),
            {R"({"metadata":{"name":"web","creationTimestamp":"2024-04-30T12:00:00Z"},
      "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"template":{"spec":{"containers":[
        {"name":"web","image":"nginx:1.25"},{"name":"proxy","image":"envoy:1.29"}]}}},
      "status":{"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}})",
             R"({"metadata":{"name":"bare","creationTimestamp":"2024-05-01T11:59:59Z"},"spec":{}})"});
  EXPECT_EQ(cells(deployments, 0),
            R"(["web","2/3",3,2,"24h","web,proxy","nginx:1.25,envoy:1.29","app=web"])");
  EXPECT_EQ(cells(deployments, 1), R"(["bare","0/1",0,0,"1s","","",""])");

  auto rs = table(type("apps", "replicasets"),
                  {R"({"metadata":{"name":"web-abc","creationTimestamp":"2024-04-30T12:00:00Z"},
      "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web","pod-template-hash":"abc"}},
        "template":{"spec":{"containers":[{"name":"web","image":"nginx:1.25"}]}}},
      "status":{"replicas":3,"readyReplicas":2}})"});
  EXPECT_EQ(columns(rs),
            "Name:string,Desired:integer,Current:integer,Ready:integer,Age:string,Containers:string:1,"
            "Images:string:1,Selector:string:1");
  EXPECT_EQ(cells(rs, 0), R"(["web-abc",3,3,2,"24h","web","nginx:1.25","app=web,pod-template-hash=abc"])");

  auto sts = table(type("apps", "statefulsets"),
                   {R"({"metadata":{"name":"db","creationTimestamp":"2024-04-30T12:00:00Z"},
      "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"postgres","image":"postgres:16"}]}}},
      "status":{"readyReplicas":1}})"});
  EXPECT_EQ(cells(sts, 0), R"(["db","1/2","24h","postgres","postgres:16"])");

  auto ds = table(type("apps", "daemonsets"),
                  {R"({"metadata":{"name":"agent","creationTimestamp":"2024-04-30T12:00:00Z"},
      "spec":{"selector":{"matchLabels":{"app":"agent"}},"template":{"spec":{"nodeSelector":{"kubernetes.io/os":"linux"},
        "containers":[{"name":"agent","image":"agent:1"}]}}},
      "status":{"desiredNumberScheduled":2,"currentNumberScheduled":2,"numberReady":1,"updatedNumberScheduled":2,
        "numberAvailable":1}})"});
  EXPECT_EQ(cells(ds, 0),
            R"(["agent",2,2,1,2,1,"kubernetes.io/os=linux","24h","agent","agent:1","app=agent"])");
}

TEST(WorkloadTables, JobsAndCronJobs) {
  auto jobs = table(type("batch", "jobs"),
                    {R"({"metadata":{"name":"migrate","creationTimestamp":"2024-05-01T11:50:00Z"},
      "spec":{"completions":1,"selector":{"matchLabels":{"batch.kubernetes.io/controller-uid":"abc"}},
        "template":{"spec":{"containers":[{"name":"migrate","image":"migrate:2"}]}}},
      "status":{"succeeded":1,"startTime":"2024-05-01T11:50:00Z","completionTime":"2024-05-01T11:50:45Z",
        "conditions":[{"type":"Complete","status":"True"}]}})",
                     R"({"metadata":{"name":"crunch","creationTimestamp":"2024-05-01T11:58:00Z"},
      "spec":{"parallelism":3,"template":{"spec":{"containers":[{"name":"w","image":"w:1"}]}}},
      "status":{"startTime":"2024-05-01T11:58:00Z"}})",
                     R"({"metadata":{"name":"failed","creationTimestamp":"2024-05-01T11:00:00Z"},"spec":{},
      "status":{"conditions":[{"type":"Failed","status":"True"}]}})"});
  EXPECT_EQ(columns(jobs),
            "Name:string,Status:string,Completions:string,Duration:string,Age:string,"
            "Containers:string:1,Images:string:1,Selector:string:1");
  EXPECT_EQ(
      cells(jobs, 0),
      R"(["migrate","Complete","1/1","45s","10m","migrate","migrate:2","batch.kubernetes.io/controller-uid=abc"])");
  EXPECT_EQ(cells(jobs, 1), R"(["crunch","Running","0/1 of 3","2m","2m","w","w:1","<none>"])");
  EXPECT_EQ(cells(jobs, 2), R"(["failed","Failed","0/1","","60m","","","<none>"])");

  auto cron = table(type("batch", "cronjobs"),
                    {R"({"metadata":{"name":"report","creationTimestamp":"2024-04-30T12:00:00Z"},
      "spec":{"schedule":"*/5 * * * *","jobTemplate":{"spec":{"template":{"spec":{"containers":[
        {"name":"report","image":"report:1"}]}}}}},
      "status":{"active":[{"name":"report-1"}],"lastScheduleTime":"2024-05-01T11:55:00Z"}})",
                     R"({"metadata":{"name":"paused","creationTimestamp":"2024-04-30T12:00:00Z"},
      "spec":{"schedule":"0 3 * * *","timeZone":"Europe/Berlin","suspend":true,"jobTemplate":{"spec":{"template":{}}}}})"});
  EXPECT_EQ(cells(cron, 0),
            R"(["report","*/5 * * * *","<none>","False",1,"5m","24h","report","report:1","<none>"])");
  EXPECT_EQ(cells(cron, 1),
            R"(["paused","0 3 * * *","Europe/Berlin","True",0,"<none>","24h","","","<none>"])");
}

TEST(NetworkTables, ServicesEndpointsIngressesPolicies) {
  auto svcs = table(type("", "services"),
                    {
                        R"({"metadata":{"name":"web","creationTimestamp":"2024-04-30T12:00:00Z"},
        "spec":{"clusterIP":"10.96.0.10","ports":[{"port":80,"targetPort":8080}],"selector":{"app":"web"}}})",
                        R"({"metadata":{"name":"np","creationTimestamp":"2024-04-30T12:00:00Z"},
        "spec":{"type":"NodePort","clusterIP":"10.96.0.11","clusterIPs":["10.96.0.11"],
          "ports":[{"port":80,"nodePort":30080,"protocol":"TCP"},{"port":53,"protocol":"UDP"}]}})",
                        R"({"metadata":{"name":"lb","creationTimestamp":"2024-04-30T12:00:00Z"},
        "spec":{"type":"LoadBalancer","clusterIPs":["10.96.0.12"],"ports":[{"port":443,"nodePort":31443}]},
        "status":{"loadBalancer":{}}})",
                        R"({"metadata":{"name":"lb2","creationTimestamp":"2024-04-30T12:00:00Z"},
        "spec":{"type":"LoadBalancer","clusterIPs":["10.96.0.13"],"externalIPs":["192.0.2.7"],"ports":[{"port":80,"nodePort":30081}]},
        "status":{"loadBalancer":{"ingress":[{"hostname":"lb.example.com"},{"ip":"203.0.113.10"}]}}})",
                        R"({"metadata":{"name":"ext","creationTimestamp":"2024-04-30T12:00:00Z"},
        "spec":{"type":"ExternalName","externalName":"db.example.com"}})",
                        R"({"metadata":{"name":"headless","creationTimestamp":"2024-04-30T12:00:00Z"},
        "spec":{"clusterIP":"None","ports":[{"port":5432}],"selector":{"app":"db","role":"primary"}}})",
                    });
  EXPECT_EQ(columns(svcs),
            "Name:string,Type:string,Cluster-IP:string,External-IP:string,Port(s):string,Age:string,"
            "Selector:string:1");
  EXPECT_EQ(cells(svcs, 0), R"(["web","ClusterIP","10.96.0.10","<none>","80/TCP","24h","app=web"])");
  EXPECT_EQ(cells(svcs, 1),
            R"(["np","NodePort","10.96.0.11","<none>","80:30080/TCP,53/UDP","24h","<none>"])");
  EXPECT_EQ(cells(svcs, 2),
            R"(["lb","LoadBalancer","10.96.0.12","<pending>","443:31443/TCP","24h","<none>"])");
  EXPECT_EQ(
      cells(svcs, 3),
      R"(["lb2","LoadBalancer","10.96.0.13","203.0.113.10,lb.example.com,192.0.2.7","80:30081/TCP","24h","<none>"])");
  EXPECT_EQ(cells(svcs, 4), R"(["ext","ExternalName","<none>","db.example.com","<none>","24h","<none>"])");
  EXPECT_EQ(cells(svcs, 5),
            R"(["headless","ClusterIP","None","<none>","5432/TCP","24h","app=db,role=primary"])");

  auto eps = table(type("", "endpoints"),
                   {R"({"metadata":{"name":"web","creationTimestamp":"2024-04-30T12:00:00Z"},
      "subsets":[{"addresses":[{"ip":"10.0.0.5"},{"ip":"10.0.0.6"}],"ports":[{"port":8080}]}]})",
                    R"({"metadata":{"name":"many","creationTimestamp":"2024-04-30T12:00:00Z"},
      "subsets":[{"addresses":[{"ip":"10.0.0.1"},{"ip":"10.0.0.2"},{"ip":"10.0.0.3"},{"ip":"10.0.0.4"}],"ports":[{"port":80}]}]})",
                    R"({"metadata":{"name":"none","creationTimestamp":"2024-04-30T12:00:00Z"}})"});
  EXPECT_EQ(cells(eps, 0), R"(["web","10.0.0.5:8080,10.0.0.6:8080","24h"])");
  EXPECT_EQ(cells(eps, 1), R"(["many","10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...","24h"])");
  EXPECT_EQ(cells(eps, 2), R"(["none","<none>","24h"])");

  auto ing =
      table(type("networking.k8s.io", "ingresses"),
            {R"({"metadata":{"name":"shop","creationTimestamp":"2024-04-30T12:00:00Z"},
      "spec":{"ingressClassName":"nginx","rules":[{"host":"shop.example.com"}],"tls":[{"hosts":["shop.example.com"]}]},
      "status":{"loadBalancer":{"ingress":[{"ip":"172.18.0.5"}]}}})",
             R"({"metadata":{"name":"catchall","creationTimestamp":"2024-04-30T12:00:00Z"},"spec":{}})"});
  EXPECT_EQ(cells(ing, 0), R"(["shop","nginx","shop.example.com","172.18.0.5","80, 443","24h"])");
  EXPECT_EQ(cells(ing, 1), R"(["catchall","<none>","*","","80","24h"])");

  auto np = table(
      type("networking.k8s.io", "networkpolicies"),
      {R"({"metadata":{"name":"web-only","creationTimestamp":"2024-04-30T12:00:00Z"},
      "spec":{"podSelector":{"matchLabels":{"app":"web"}}}})",
       R"({"metadata":{"name":"deny-all","creationTimestamp":"2024-04-30T12:00:00Z"},"spec":{"podSelector":{}}})"});
  EXPECT_EQ(cells(np, 0), R"(["web-only","app=web","24h"])");
  EXPECT_EQ(cells(np, 1), R"(["deny-all","<none>","24h"])");
}

TEST(ClusterTables, NodesAndNamespaces) {
  auto nodes = table(type("", "nodes"),
                     {R"j({"metadata":{"name":"node-1","creationTimestamp":"2024-04-01T12:00:00Z",
        "labels":{"node-role.kubernetes.io/control-plane":"","kubernetes.io/hostname":"node-1"}},
      "spec":{"unschedulable":true},
      "status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}],
        "addresses":[{"type":"InternalIP","address":"172.18.0.2"},{"type":"Hostname","address":"node-1"}],
        "nodeInfo":{"kubeletVersion":"v1.32.0","osImage":"Debian GNU/Linux 12 (bookworm)","kernelVersion":"6.1.0",
          "containerRuntimeVersion":"containerd://1.7.13"}}})j",
                      R"({"metadata":{"name":"node-2","creationTimestamp":"2024-04-30T12:00:00Z",
        "labels":{"kubernetes.io/role":"worker","node-role.kubernetes.io/gpu":""}},
      "status":{"conditions":[{"type":"Ready","status":"False"}],
        "addresses":[{"type":"ExternalIP","address":"198.51.100.4"}]}})",
                      R"({"metadata":{"name":"node-3","creationTimestamp":"2024-04-30T12:00:00Z"}})"});
  EXPECT_EQ(columns(nodes),
            "Name:string,Status:string,Roles:string,Age:string,Version:string,Internal-IP:string:1,"
            "External-IP:string:1,OS-Image:string:1,Kernel-Version:string:1,Container-Runtime:string:1");
  EXPECT_EQ(cells(nodes, 0),
            R"(["node-1","Ready,SchedulingDisabled","control-plane","30d","v1.32.0","172.18.0.2",)"
            R"j("<none>","Debian GNU/Linux 12 (bookworm)","6.1.0","containerd://1.7.13"])j");
  EXPECT_EQ(
      cells(nodes, 1),
      R"(["node-2","NotReady","gpu,worker","24h","","<none>","198.51.100.4","<unknown>","<unknown>","<unknown>"])");
  EXPECT_EQ(
      cells(nodes, 2),
      R"(["node-3","Unknown","<none>","24h","","<none>","<none>","<unknown>","<unknown>","<unknown>"])");

  auto ns = table(
      type("", "namespaces"),
      {R"({"metadata":{"name":"shop","creationTimestamp":"2024-04-30T12:00:00Z"},"status":{"phase":"Active"}})",
       R"({"metadata":{"name":"old","creationTimestamp":"2024-04-30T12:00:00Z"},"status":{"phase":"Terminating"}})"});
  EXPECT_EQ(cells(ns, 0), R"(["shop","Active","24h"])");
  EXPECT_EQ(cells(ns, 1), R"(["old","Terminating","24h"])");
}

TEST(EventTables, CoreAndEventsGroup) {
  auto core =
      table(type("", "events"),
            {R"({"metadata":{"name":"api.17c1","namespace":"shop","creationTimestamp":"2024-05-01T11:00:00Z"},
      "involvedObject":{"kind":"Pod","name":"api-1","namespace":"shop","fieldPath":"spec.containers{api}"},
      "reason":"BackOff","message":"Back-off restarting failed container api\n","type":"Warning",
      "source":{"component":"kubelet","host":"node-1"},"firstTimestamp":"2024-05-01T11:00:00Z",
      "lastTimestamp":"2024-05-01T11:58:00Z","count":12})",
             R"({"metadata":{"name":"e2","namespace":"shop"},"involvedObject":{"kind":"Node"},
      "reason":"Issued","message":"certificate issued","type":"Normal","eventTime":"2024-05-01T11:59:00.000000Z",
      "reportingComponent":"cert-manager","reportingInstance":"cm-0"})",
             R"({"metadata":{"name":"e3","namespace":"shop"},"involvedObject":{"kind":"Pod","name":"p"},
      "reason":"Unhealthy","message":"Readiness probe failed","type":"Warning","eventTime":"2024-05-01T11:00:00.000000Z",
      "series":{"count":5,"lastObservedTime":"2024-05-01T11:59:30.000000Z"},"reportingComponent":"kubelet"})"});
  EXPECT_EQ(columns(core),
            "Last Seen:string,Type:string,Reason:string,Object:string,Subobject:string:1,"
            "Source:string:1,Message:string,First Seen:string:1,Count:string:1,Name:string:1");
  EXPECT_EQ(cells(core, 0),
            R"(["2m","Warning","BackOff","pod/api-1","spec.containers{api}","kubelet, node-1",)"
            R"("Back-off restarting failed container api","60m",12,"api.17c1"])");
  EXPECT_EQ(cells(core, 1),
            R"(["60s","Normal","Issued","node","","cert-manager, cm-0","certificate issued","60s",1,"e2"])");
  EXPECT_EQ(cells(core, 2),
            R"(["30s","Warning","Unhealthy","pod/p","","kubelet","Readiness probe failed","60m",5,"e3"])");

  auto group =
      table(type("events.k8s.io", "events"),
            {R"({"metadata":{"name":"e4","namespace":"shop"},"regarding":{"kind":"Deployment","name":"web"},
      "note":"Scaled up replica set web-abc to 3","reason":"ScalingReplicaSet","type":"Normal",
      "reportingController":"deployment-controller","reportingInstance":"",
      "deprecatedFirstTimestamp":"2024-05-01T10:00:00Z","deprecatedLastTimestamp":"2024-05-01T10:00:00Z",
      "deprecatedCount":1})"});
  EXPECT_EQ(cells(group, 0),
            R"(["120m","Normal","ScalingReplicaSet","deployment/web","","deployment-controller",)"
            R"("Scaled up replica set web-abc to 3","120m",1,"e4"])");
}

TEST(ConfigTables, ConfigMapsSecretsServiceAccounts) {
  auto cms = table(type("", "configmaps"),
                   {R"({"metadata":{"name":"app","creationTimestamp":"2024-04-30T12:00:00Z"},
      "data":{"a":"1"},"binaryData":{"b":"AA=="}})",
                    R"({"metadata":{"name":"empty","creationTimestamp":"2024-04-30T12:00:00Z"}})"});
  EXPECT_EQ(cells(cms, 0), R"(["app",2,"24h"])");
  EXPECT_EQ(cells(cms, 1), R"(["empty",0,"24h"])");
  auto secrets = table(type("", "secrets"),
                       {R"({"metadata":{"name":"tls","creationTimestamp":"2024-04-30T12:00:00Z"},
      "type":"kubernetes.io/tls","data":{"tls.crt":"AA==","tls.key":"AA=="}})",
                        R"({"metadata":{"name":"plain","creationTimestamp":"2024-04-30T12:00:00Z"}})"});
  EXPECT_EQ(cells(secrets, 0), R"(["tls","kubernetes.io/tls",2,"24h"])");
  EXPECT_EQ(cells(secrets, 1), R"(["plain","Opaque",0,"24h"])");
  auto sas = table(type("", "serviceaccounts"),
                   {R"({"metadata":{"name":"default","creationTimestamp":"2024-04-30T12:00:00Z"}})"});
  EXPECT_EQ(cells(sas, 0), R"(["default",0,"24h"])");
}

TEST(StorageTables, ClaimsVolumesClasses) {
  auto pvcs = table(type("", "persistentvolumeclaims"),
                    {R"({"metadata":{"name":"data","creationTimestamp":"2024-04-30T12:00:00Z"},
      "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"10Gi"}},"storageClassName":"standard",
        "volumeName":"pvc-123"},
      "status":{"phase":"Bound","accessModes":["ReadWriteOnce"],"capacity":{"storage":"10Gi"}}})",
                     R"({"metadata":{"name":"uploads","creationTimestamp":"2024-04-30T12:00:00Z"},
      "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"5Gi"}},"storageClassName":"standard",
        "volumeMode":"Block"},"status":{"phase":"Pending"}})"});
  EXPECT_EQ(columns(pvcs),
            "Name:string,Status:string,Volume:string,Capacity:string,Access Modes:string,"
            "StorageClass:string,VolumeAttributesClass:string,Age:string,VolumeMode:string:1");
  EXPECT_EQ(cells(pvcs, 0),
            R"(["data","Bound","pvc-123","10Gi","RWO","standard","<unset>","24h","Filesystem"])");
  EXPECT_EQ(cells(pvcs, 1), R"(["uploads","Pending","","","","standard","<unset>","24h","Block"])");

  auto pvs = table(type("", "persistentvolumes"),
                   {R"({"metadata":{"name":"pvc-123","creationTimestamp":"2024-04-30T12:00:00Z"},
      "spec":{"capacity":{"storage":"10Gi"},"accessModes":["ReadWriteMany","ReadWriteOnce"],
        "persistentVolumeReclaimPolicy":"Delete","storageClassName":"standard","claimRef":{"namespace":"shop","name":"data"}},
      "status":{"phase":"Bound"}})"});
  EXPECT_EQ(
      cells(pvs, 0),
      R"(["pvc-123","10Gi","RWO,RWX","Delete","Bound","shop/data","standard","<unset>","","24h","Filesystem"])");

  auto classes = table(type("storage.k8s.io", "storageclasses"),
                       {R"({"metadata":{"name":"standard","creationTimestamp":"2024-04-30T12:00:00Z",
        "annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},
      "provisioner":"rancher.io/local-path","volumeBindingMode":"WaitForFirstConsumer"})"});
  EXPECT_EQ(
      cells(classes, 0),
      R"j(["standard (default)","rancher.io/local-path","Delete","WaitForFirstConsumer",false,"24h"])j");
}

TEST(AutoscalingTables, HorizontalPodAutoscalerTargets) {
  auto hpas = table(type("autoscaling", "horizontalpodautoscalers"),
                    {R"({"metadata":{"name":"web","creationTimestamp":"2024-04-30T12:00:00Z"},
      "spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"minReplicas":2,"maxReplicas":10,"metrics":[
        {"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":70}}},
        {"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"500Mi"}}},
        {"type":"Pods","pods":{"metric":{"name":"rps"},"target":{"type":"AverageValue","averageValue":"100"}}}]},
      "status":{"currentReplicas":3,"currentMetrics":[
        {"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":45,"averageValue":"450m"}}},
        {"type":"Resource","resource":{"name":"memory","current":{"averageValue":"200Mi"}}}]}})",
                     R"({"metadata":{"name":"api","creationTimestamp":"2024-04-30T12:00:00Z"},
      "spec":{"scaleTargetRef":{"kind":"Deployment","name":"api"},"minReplicas":1,"maxReplicas":5,"metrics":[
        {"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":70}}}]}})",
                     R"({"metadata":{"name":"legacy","creationTimestamp":"2024-04-30T12:00:00Z"},
      "spec":{"scaleTargetRef":{"kind":"Deployment","name":"legacy"},"maxReplicas":4,"targetCPUUtilizationPercentage":80},
      "status":{"currentReplicas":1,"currentCPUUtilizationPercentage":35}})"});
  EXPECT_EQ(columns(hpas),
            "Name:string,Reference:string,Targets:string,MinPods:string,MaxPods:string,Replicas:string,"
            "Age:string");
  EXPECT_EQ(cells(hpas, 0),
            R"(["web","Deployment/web","cpu: 45%/70%, memory: 200Mi/500Mi + 1 more...","2",10,3,"24h"])");
  EXPECT_EQ(cells(hpas, 1), R"(["api","Deployment/api","cpu: <unknown>/70%","1",5,0,"24h"])");
  EXPECT_EQ(cells(hpas, 2), R"(["legacy","Deployment/legacy","cpu: 35%/80%","1",4,1,"24h"])");
}

TEST(RbacAndMiscTables, BindingsLeasesQuotasBudgets) {
  auto rb = table(type("rbac.authorization.k8s.io", "rolebindings"),
                  {R"({"metadata":{"name":"read-pods","creationTimestamp":"2024-04-30T12:00:00Z"},
      "roleRef":{"kind":"Role","name":"pod-reader"},"subjects":[{"kind":"User","name":"alice"},
        {"kind":"Group","name":"devs"},{"kind":"ServiceAccount","name":"builder","namespace":"shop"},
        {"kind":"User","name":"bob"}]})"});
  EXPECT_EQ(cells(rb, 0), R"(["read-pods","Role/pod-reader","24h","alice, bob","devs","shop/builder"])");
  auto crb = table(type("rbac.authorization.k8s.io", "clusterrolebindings"),
                   {R"({"metadata":{"name":"cluster-admin","creationTimestamp":"2024-04-30T12:00:00Z"},
      "roleRef":{"kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"Group","name":"system:masters"}]})"});
  EXPECT_EQ(cells(crb, 0), R"(["cluster-admin","ClusterRole/cluster-admin","24h","","system:masters",""])");

  auto leases = table(
      type("coordination.k8s.io", "leases"),
      {R"({"metadata":{"name":"node-1","creationTimestamp":"2024-04-30T12:00:00Z"},"spec":{"holderIdentity":"node-1"}})"});
  EXPECT_EQ(cells(leases, 0), R"(["node-1","node-1","24h"])");

  auto quotas = table(type("", "resourcequotas"),
                      {R"({"metadata":{"name":"q","creationTimestamp":"2024-04-30T12:00:00Z"},
      "status":{"hard":{"pods":"10","requests.cpu":"2","limits.memory":"8Gi"},"used":{"pods":"2","requests.cpu":"200m"}}})"});
  EXPECT_EQ(cells(quotas, 0), R"(["q","pods: 2/10, requests.cpu: 200m/2","limits.memory: 0/8Gi","24h"])");

  auto pdbs = table(
      type("policy", "poddisruptionbudgets"),
      {R"({"metadata":{"name":"web","creationTimestamp":"2024-04-30T12:00:00Z"},"spec":{"minAvailable":1},
      "status":{"disruptionsAllowed":0}})",
       R"({"metadata":{"name":"api","creationTimestamp":"2024-04-30T12:00:00Z"},"spec":{"maxUnavailable":"25%"},
      "status":{"disruptionsAllowed":1}})"});
  EXPECT_EQ(cells(pdbs, 0), R"(["web","1","N/A",0,"24h"])");
  EXPECT_EQ(cells(pdbs, 1), R"(["api","N/A","25%",1,"24h"])");
}

TEST(FallbackTables, BuiltinKindsWithoutPrinterAndCustomResources) {
  auto roles = table(type("rbac.authorization.k8s.io", "roles"),
                     {R"({"metadata":{"name":"pod-reader","creationTimestamp":"2024-04-30T14:00:00+02:00"}})",
                      R"({"metadata":{"name":"new"}})"});
  EXPECT_EQ(columns(roles), "Name:string,Created At:date");
  EXPECT_EQ(cells(roles, 0), R"(["pod-reader","2024-04-30T12:00:00Z"])");
  EXPECT_EQ(cells(roles, 1), R"(["new","0001-01-01T00:00:00Z"])");
  auto limits = table(type("", "limitranges"),
                      {R"({"metadata":{"name":"defaults","creationTimestamp":"2024-04-30T12:00:00.5Z"}})"});
  EXPECT_EQ(cells(limits, 0), R"(["defaults","2024-04-30T12:00:00Z"])");

  auto zero = table(type("", "limitranges"),
                    {R"({"metadata":{"name":"z","creationTimestamp":"0001-01-01T00:00:00Z"}})"});
  EXPECT_EQ(cells(zero, 0), R"(["z","0001-01-01T00:00:00Z"])");

  auto widgets = table(type("example.com", "widgets"),
                       {R"({"metadata":{"name":"w1","creationTimestamp":"2024-05-01T10:00:00Z"}})",
                        R"({"metadata":{"name":"w2","creationTimestamp":"0001-01-01T00:00:00Z"}})"});
  EXPECT_EQ(columns(widgets), "Name:string,Age:date");
  EXPECT_EQ(cells(widgets, 0), R"(["w1","120m"])");
  EXPECT_EQ(cells(widgets, 1), R"(["w2","<unknown>"])");
}

}  // namespace
}  // namespace kubesim
