// The official Go SDK (tencentcloud-sdk-go) sending SendSms to the same server as client_overhead: a peer
// beside raw reqwest and the official Python SDK.
//
// Usage: go_reference URL CONCURRENCY REQUESTS
//
// Built by client_overhead from the Go SDK's source (fetched, never committed) with Debian's golang-go,
// offline. Prints one JSON line with the same keys as the Rust workers. Concurrency is goroutines sharing
// one SmsClient (the Go SDK's client is safe for concurrent use), whose transport keeps as many idle
// connections as there are goroutines, as a server application would configure it.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	sms "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/sms/v20210111"
)

const secretID = "AKIDEMULATOR00000000000000000000"
const secretKey = "emulator-secret-key"

func newClient(url string, concurrency int) *sms.Client {
	parts := strings.SplitN(url, "://", 2)
	cp := profile.NewClientProfile()
	cp.HttpProfile.Scheme = strings.ToUpper(parts[0])
	cp.HttpProfile.Endpoint = parts[1]
	client, err := sms.NewClient(common.NewCredential(secretID, secretKey), "ap-guangzhou", cp)
	if err != nil {
		panic(err)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns = concurrency
	transport.MaxIdleConnsPerHost = concurrency
	client.WithHttpTransport(transport)
	return client
}

func newRequest() *sms.SendSmsRequest {
	req := sms.NewSendSmsRequest()
	req.PhoneNumberSet = common.StringPtrs([]string{"+8618501234444"})
	req.SmsSdkAppId = common.StringPtr("1400006666")
	req.SignName = common.StringPtr("腾讯云")
	req.TemplateId = common.StringPtr("1110")
	req.TemplateParamSet = common.StringPtrs([]string{"4370", "5"})
	return req
}

func call(client *sms.Client, req *sms.SendSmsRequest) {
	resp, err := client.SendSms(req)
	if err != nil {
		panic(err)
	}
	if len(resp.Response.SendStatusSet) != 1 || *resp.Response.SendStatusSet[0].Code != "Ok" {
		panic("unexpected SendSms answer")
	}
}

func cpuMicros() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano()/1000 + ru.Stime.Nano()/1000
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: go_reference URL CONCURRENCY REQUESTS")
		os.Exit(2)
	}
	url := os.Args[1]
	concurrency, _ := strconv.Atoi(os.Args[2])
	requests, _ := strconv.Atoi(os.Args[3])
	perTask := requests / concurrency
	requests = perTask * concurrency
	client := newClient(url, concurrency)

	var wg sync.WaitGroup
	run := func(n int, lat []uint32) {
		defer wg.Done()
		// One request per goroutine: the Go SDK writes its common parameters into the request it is given,
		// so sharing one between goroutines is a data race (it crashes with "concurrent map writes").
		req := newRequest()
		for i := 0; i < n; i++ {
			t := time.Now()
			call(client, req)
			if lat != nil {
				lat[i] = uint32(time.Since(t).Microseconds())
			}
		}
	}
	// Warm-up: open `concurrency` pooled connections and touch every code path once.
	for i := 0; i < concurrency; i++ {
		wg.Add(1)
		go run(20, nil)
	}
	wg.Wait()

	latencies := make([][]uint32, concurrency)
	for i := range latencies {
		latencies[i] = make([]uint32, perTask)
	}
	cpu0 := cpuMicros()
	start := time.Now()
	for i := 0; i < concurrency; i++ {
		wg.Add(1)
		go run(perTask, latencies[i])
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuMicros() - cpu0

	all := make([]uint32, 0, requests)
	for _, l := range latencies {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pct := func(p float64) uint32 {
		i := int(float64(len(all)) * p)
		if i >= len(all) {
			i = len(all) - 1
		}
		return all[i]
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	out, _ := json.Marshal(map[string]interface{}{
		"mode":           "go",
		"concurrency":    concurrency,
		"requests":       requests,
		"rps":            float64(requests) / elapsed.Seconds(),
		"p50_us":         pct(0.50),
		"p99_us":         pct(0.99),
		"cpu_us_per_req": float64(cpu) / float64(requests),
		"peak_rss_kib":   ru.Maxrss,
	})
	fmt.Println(string(out))
}
